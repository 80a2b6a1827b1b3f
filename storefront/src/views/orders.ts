// The order history, and one order as the buyer comes back from the payment page.
import type { Schema } from "@capsule/client";

import { call, capsule, session } from "../api.js";
import { loadCart } from "../cart.js";
import { date, h, money, show, statusLabel, wait } from "../dom.js";
import { act, say } from "../status.js";
import { breakdown, needsAccount } from "./common.js";
import { t } from "../i18n.js";

type Order = Schema<"Order">;

/** A discount's line: its percentage, unless the promo code took a fixed amount off. */
function discountLabel(d: Order["discounts"][number], code: string): string {
  if (d.kind === "volume") return t("Volume discount ({percent}%)", { percent: d.percent ?? 0 });
  return d.percent === undefined ? t("Promo code {code}", { code }) : t("Promo code {code} ({percent}%)", { code, percent: d.percent });
}

function orderBreakdown(order: Order): HTMLDListElement {
  return breakdown([
    [t("Subtotal"), money(order.subtotal_cents)],
    ...order.discounts.map((d): [string, string] => [
      discountLabel(d, order.promo_code || ""),
      money(-d.amount_cents),
    ]),
    order.delivery_fee_cents ? [t("Home delivery"), money(order.delivery_fee_cents)] : null,
    order.gift_fee_cents ? [t("Gift ({type})", { type: t(order.gift?.type ?? "") }), money(order.gift_fee_cents)] : null,
    [t("Total"), money(order.total_cents), { class: "total", data: { "data-total-cents": order.total_cents } }],
  ]);
}

function deliveryLine(delivery: Order["delivery"]): string {
  if (delivery.mode === "pickup") return t("Pickup at {name}, {address}", { name: delivery.name, address: delivery.address });
  const { name, line1, postal_code, city } = delivery.address;
  return t("Home: {address}", { address: [name, line1, postal_code, city].join(", ") });
}

function paymentLine(payment: Order["payment"]): string {
  if (!payment) return "";
  const method = payment.method_type === "card" ? payment.brand || t("card") : "CRINA-PAY";
  return ` · ${method} ${payment.last4 ? `…${payment.last4}` : ""}`;
}

function cancelButton(order: Order, refresh?: () => Promise<void>): HTMLButtonElement {
  const paid = order.status === "paid";
  const cancel = h("button", { type: "button", class: "secondary", "data-cancel": order.order_id }, paid ? t("Cancel and refund") : t("Cancel this checkout"));
  cancel.addEventListener("click", () =>
    void act(cancel, async () => {
      if (!window.confirm(paid ? t("Cancel this order? It will be refunded in full.") : t("Cancel this checkout? The caps stay in your cart."))) return;
      const cancelled = await call(capsule.POST("/orders/{order_id}/cancel", { path: { order_id: order.order_id } }));
      say(cancelled.refund_status === "refunded" ? t("Order cancelled and refunded.") : t("Order cancelled."));
      await loadCart();
      if (refresh) await refresh();
    }),
  );
  return cancel;
}

export function orderCard(order: Order, { heading = "h2", refresh }: { heading?: "h2" | "h3"; refresh?: () => Promise<void> } = {}): HTMLElement {
  const actions = h("p", { class: "actions" });
  if (order.status === "paid" || order.status === "pending_payment") actions.append(cancelButton(order, refresh));
  const gift = order.gift ? t(" · gift: {type}{message}", { type: t(order.gift.type), message: order.gift.message ? ` (“${order.gift.message}”)` : "" }) : "";
  return h(
    "article",
    { class: `order ${order.status}`, "data-order-id": order.order_id, "data-status": order.status },
    h(heading, {}, order.invoice_number || t("Order of {date}", { date: date(order.created_at) }), " ", h("span", { class: `state ${order.status}` }, statusLabel(order.status))),
    h(
      "p",
      { class: "muted" },
      t("Placed {date}", { date: date(order.created_at) }),
      order.paid_at ? t(" · paid {date}", { date: date(order.paid_at) }) : "",
      paymentLine(order.payment),
      order.refund_status ? t(" · refund {status}", { status: t(order.refund_status) }) : "",
    ),
    h(
      "ul",
      { class: "items" },
      order.items.map((l) => h("li", {}, `${l.quantity} × ${l.name} — ${money(l.line_total_cents)}`)),
    ),
    h("p", {}, deliveryLine(order.delivery), gift),
    orderBreakdown(order),
    actions,
  );
}

export async function viewOrders(): Promise<void> {
  if (!session.token) return needsAccount("orders");
  const list = h("div", { id: "orders" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("Older orders"));
  show(t("Your orders"), list, more);
  let cursor: string | null = null;
  const page = async (): Promise<void> => {
    const answer = await call(capsule.GET("/orders", { query: { limit: 10, ...(cursor ? { cursor } : {}) } }));
    list.append(...answer.items.map((o) => orderCard(o, { refresh: viewOrders })));
    cursor = answer.next_cursor;
    more.hidden = !cursor;
    if (list.children.length === 0) list.append(h("p", {}, t("No orders yet. "), h("a", { href: "#/" }, t("Find a cap."))));
  };
  more.addEventListener("click", () => void act(more, page));
  await page();
}

const OUTCOMES: Partial<Record<Order["status"], string>> = {
  paid: "Payment received, thank you! Your invoice is on its way by email.",
  payment_failed: "The payment was declined: your caps are back in your cart.",
  expired: "The payment page expired: your caps are back in your cart.",
  cancelled: "This order is cancelled.",
};

// One order, as the buyer comes back from the payment page: its outcome is applied by the
// webhook within seconds, so it may still await payment for a moment.
export async function viewOrder(orderId: string, params: URLSearchParams): Promise<void> {
  if (!session.token) return needsAccount("orders");
  const from = params.get("return");
  const box = h("div", { id: "order-outcome", "aria-busy": "true" }, h("p", {}, t("Confirming your payment…")));
  show(from === "cancel" ? t("Payment not completed") : t("Your order"), box, h("p", {}, h("a", { href: "#/orders", id: "to-orders" }, t("All your orders"))));
  const read = (): Promise<Order> => call(capsule.GET("/orders/{order_id}", { path: { order_id: orderId } }));
  let order = await read();
  for (let i = 0; order.status === "pending_payment" && from === "success" && i < 30; i += 1) {
    await wait(1000);
    order = await read();
  }
  box.setAttribute("aria-busy", "false");
  const pending =
    from === "cancel"
      ? t("You left the payment page: the order awaits payment until it expires, or cancel it.")
      : t("The payment is not confirmed yet: refresh in a moment.");
  const message = order.status === "pending_payment" ? pending : t(OUTCOMES[order.status] ?? "");
  say(message, { error: order.status !== "paid" && order.status !== "cancelled", code: order.status });
  box.replaceChildren(h("p", { class: "lead" }, message), orderCard(order, { refresh: () => viewOrder(orderId, new URLSearchParams()) }));
  await loadCart();
}
