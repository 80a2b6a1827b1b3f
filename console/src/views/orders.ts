// Orders: the list with its filters, and one order's story with the operator's tasks
// (fulfilment steps, a refund by lines or amount, a cancellation).
import type { Schema } from "@capsule/client";
import { call, capsule } from "../api.js";
import { badge, cents, fail, field, form, go, goSaying, h, input, money, more, select, show, table, when } from "../ui.js";

type Order = Schema<"AdminOrder">;
type Detail = Schema<"AdminOrderDetail">;
type Step = Schema<"FulfilmentStatus">;

const STATUSES: Schema<"OrderStatus">[] = ["pending_payment", "paid", "payment_failed", "expired", "cancelled"];
const STEPS: Step[] = ["preparing", "shipped", "ready_for_pickup", "delivered", "picked_up"];
const HEADINGS = ["Order", "Buyer", "Placed", "Status", "Fulfilment", "Total"];

const reference = (orderId: string): string => orderId.replace(/-/g, "").slice(0, 8).toUpperCase();

export async function viewOrders(params: URLSearchParams): Promise<void> {
  const status = params.get("status") ?? "";
  const fulfilment = params.get("fulfilment") ?? "";
  const email = params.get("email") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const query = {
    status: (status || undefined) as Schema<"OrderStatus"> | undefined,
    fulfilment: (fulfilment || undefined) as Step | undefined,
    email: email || undefined,
    from: from ? new Date(`${from}T00:00:00`).toISOString() : undefined,
    to: to ? new Date(`${to}T23:59:59.999`).toISOString() : undefined,
  };
  const page = await call(capsule.GET("/admin/orders", { query: { ...query, limit: 25 } }));
  const filters = filterForm({ status, fulfilment, email, from, to });
  const rows = page.items.map(orderRow);
  const list = table("Orders, newest first", HEADINGS, rows, { id: "orders" });
  const body = list.tBodies[0] ?? list;
  const next = more(body, HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/orders", { query: { ...query, limit: 25, cursor } })), orderRow);
  show("Orders", filters, page.items.length === 0 ? h("p", { id: "no-orders" }, "No order matches these filters.") : list, next);
}

function filterForm(chosen: Record<"status" | "fulfilment" | "email" | "from" | "to", string>): HTMLFormElement {
  const status = select("filter-status", [["", "Any status"], ...STATUSES.map((s) => [s, s.replace(/_/g, " ")] as const)], chosen.status);
  const fulfilment = select("filter-fulfilment", [["", "Any step"], ...STEPS.map((s) => [s, s.replace(/_/g, " ")] as const)], chosen.fulfilment);
  const email = input("filter-email", { type: "email", value: chosen.email });
  const from = input("filter-from", { type: "date", value: chosen.from });
  const to = input("filter-to", { type: "date", value: chosen.to });
  return form(
    { id: "order-filters", class: "filters", role: "search", "aria-label": "Filter orders" },
    "Filter",
    async () => {
      const values = { status: status.value, fulfilment: fulfilment.value, email: email.value.trim(), from: from.value, to: to.value };
      const search = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== ""));
      go(`#/orders${search.size ? `?${search.toString()}` : ""}`);
    },
    field("Status", status, "/status"),
    field("Fulfilment", fulfilment, "/fulfilment"),
    field("Buyer's email", email, "/email"),
    field("From", from, "/from"),
    field("To", to, "/to"),
  );
}

function orderRow(order: Order): HTMLTableRowElement {
  return h(
    "tr",
    { "data-order-id": order.order_id, "data-status": order.status },
    h("td", {}, h("a", { href: `#/order/${encodeURIComponent(order.order_id)}` }, order.invoice_number ?? reference(order.order_id))),
    h("td", {}, order.email),
    h("td", {}, when(order.created_at)),
    h("td", {}, badge(order.status)),
    h("td", {}, order.fulfilment ? badge(order.fulfilment.status) : ""),
    h("td", { class: "num" }, money(order.total_cents)),
  );
}

export async function viewOrder(orderId: string): Promise<void> {
  const order = await call(capsule.GET("/admin/orders/{order_id}", { path: { order_id: orderId } }));
  show(
    `Order ${order.invoice_number ?? reference(order.order_id)}`,
    h("article", { id: "order", "data-order-id": order.order_id, "data-status": order.status, "data-fulfilment": order.fulfilment?.status ?? "" }, summary(order)),
    linesTable(order),
    order.status === "paid" ? fulfilmentForm(order) : null,
    order.status === "paid" ? refundForm(order) : null,
    cancelButton(order),
    story(order),
    h("p", {}, h("a", { href: "#/orders" }, "Back to the orders")),
  );
}

function summary(order: Detail): HTMLElement {
  const delivery = order.delivery.mode === "home"
    ? `Home: ${[order.delivery.address.name, order.delivery.address.line1, order.delivery.address.line2, `${order.delivery.address.postal_code} ${order.delivery.address.city}`, order.delivery.address.country].filter(Boolean).join(", ")}`
    : `Pickup at ${order.delivery.name} (${order.delivery.address})`;
  const tracking = order.fulfilment?.carrier ? ` — ${order.fulfilment.carrier} ${order.fulfilment.tracking_number ?? ""}` : "";
  const row = (label: string, ...value: (string | Node)[]) => h("div", {}, h("dt", {}, label), h("dd", {}, ...value));
  return h(
    "dl",
    { class: "facts" },
    row("Buyer", order.email),
    row("Status", badge(order.status), order.refund_status ? ` (refund ${order.refund_status})` : ""),
    row("Fulfilment", order.fulfilment ? badge(order.fulfilment.status) : "not started", tracking),
    row("Delivery", delivery),
    row("Discounts", order.discounts.map((d) => `${d.kind}${d.percent === undefined ? "" : ` ${d.percent}%`} −${money(d.amount_cents)}`).join(", ") || "none"),
    row("Fees", `delivery ${money(order.delivery_fee_cents)}, gift ${money(order.gift_fee_cents)}${order.gift ? ` (${order.gift.type})` : ""}`),
    row("Total", money(order.total_cents)),
    row("Refunded", money(order.refunded_cents ?? 0)),
    row("Payment", order.payment ? `${order.payment.brand ?? order.payment.method_type} ${order.payment.last4 ? `ending in ${order.payment.last4}` : ""}` : "none"),
    row("Placed", when(order.created_at)),
    row("Paid", when(order.paid_at) || "not paid"),
    order.promo_code ? row("Promo code", order.promo_code) : null,
  );
}

const LINE_HEADINGS = ["Product", "Unit price", "Quantity", "Line total", "Units to return"];

function linesTable(order: Detail): HTMLTableElement {
  const returnable = order.status === "paid";
  const rows = order.items.map((line, i) =>
    h(
      "tr",
      { "data-product-id": line.product_id },
      h("td", {}, line.name, h("br"), h("small", { class: "muted" }, line.product_id)),
      h("td", { class: "num" }, money(line.unit_effective_price_cents)),
      h("td", { class: "num" }, String(line.quantity)),
      h("td", { class: "num" }, money(line.line_total_cents)),
      h(
        "td",
        {},
        returnable
          ? [
              h("label", { for: `return-${i}`, class: "visually-hidden" }, `Units of ${line.name} to return`),
              input(`return-${i}`, { type: "number", min: 0, max: line.quantity, value: 0, inputmode: "numeric", "data-product-id": line.product_id, form: "refund" }),
            ]
          : "",
      ),
    ),
  );
  return table("Lines", LINE_HEADINGS, rows, { id: "lines" });
}

/** The next fulfilment steps of a paid order, by its delivery (`preparing` may be skipped). */
function nextSteps(order: Detail): Step[] {
  const home = order.delivery.mode === "home";
  switch (order.fulfilment?.status) {
    case undefined:
      return home ? ["preparing", "shipped"] : ["preparing", "ready_for_pickup"];
    case "preparing":
      return home ? ["shipped"] : ["ready_for_pickup"];
    case "shipped":
      return ["delivered"];
    case "ready_for_pickup":
      return ["picked_up"];
    default:
      return [];
  }
}

function fulfilmentForm(order: Detail): HTMLElement | null {
  const steps = nextSteps(order);
  if (steps.length === 0) return null;
  const step = select("fulfil-status", steps.map((s) => [s, s.replace(/_/g, " ")] as const));
  const carrier = input("fulfil-carrier", { autocomplete: "off" });
  const tracking = input("fulfil-tracking", { autocomplete: "off" });
  const parcel = h("fieldset", { id: "parcel" }, h("legend", {}, "Parcel"), field("Carrier", carrier, "/carrier"), field("Tracking number", tracking, "/tracking_number"));
  const showParcel = (): void => {
    parcel.hidden = step.value !== "shipped";
    parcel.disabled = parcel.hidden;
  };
  step.addEventListener("change", showParcel);
  showParcel();
  return h(
    "section",
    { "aria-labelledby": "fulfil-title" },
    h("h2", { id: "fulfil-title" }, "Fulfilment"),
    form(
      { id: "fulfil", class: "card" },
      "Record this step",
      async () => {
        const status = step.value as Step;
        const parcelGiven = status === "shipped" ? { carrier: carrier.value.trim(), tracking_number: tracking.value.trim() } : {};
        await call(capsule.POST("/admin/orders/{order_id}/fulfilment", { path: { order_id: order.order_id }, body: { status, ...parcelGiven } }));
        goSaying(`#/order/${encodeURIComponent(order.order_id)}`, `Recorded: ${status.replace(/_/g, " ")}. The buyer is emailed.`);
      },
      field("Step", step, "/status"),
      parcel,
    ),
  );
}

function refundForm(order: Detail): HTMLElement {
  const left = order.total_cents - (order.refunded_cents ?? 0);
  const amount = input("refund-amount", { inputmode: "decimal", autocomplete: "off" });
  // One key per refund the operator means: a retry after a lost answer refunds once.
  const key = `console-${crypto.randomUUID()}`;
  return h(
    "section",
    { "aria-labelledby": "refund-title" },
    h("h2", { id: "refund-title" }, "Refund"),
    h("p", { class: "muted" }, `Up to ${money(left)} is left to refund. Choose units to return in the lines above (they go back on sale), an amount, or both.`),
    form(
      { id: "refund", class: "card" },
      "Refund",
      async () => {
        const inputs = [...document.querySelectorAll<HTMLInputElement>('#lines input[type="number"]')];
        for (const each of inputs) delete each.dataset.field;
        const returned = inputs.filter((each) => Number(each.value) > 0);
        returned.forEach((each, k) => {
          each.dataset.field = `/lines/${k}/quantity`;
        });
        const lines = returned.map((each) => ({ product_id: each.dataset.productId ?? "", quantity: Number(each.value) }));
        const body = {
          idempotency_key: key,
          ...(lines.length > 0 ? { lines } : {}),
          ...(amount.value.trim() !== "" || lines.length === 0 ? { amount_cents: cents(amount.value, "/amount_cents", "Amount") } : {}),
        };
        const after = await call(capsule.POST("/admin/orders/{order_id}/refunds", { path: { order_id: order.order_id }, body }));
        goSaying(`#/order/${encodeURIComponent(order.order_id)}`, `Refunded: ${money(after.refunded_cents ?? 0)} in all. The buyer is emailed.`);
      },
      field("Amount (euros)", amount, "/amount_cents", "Left empty with units chosen: what the buyer paid for them."),
    ),
  );
}

function cancelButton(order: Detail): HTMLElement | null {
  const shipped = order.fulfilment !== undefined && order.fulfilment.status !== "preparing";
  if ((order.status !== "paid" && order.status !== "pending_payment") || shipped) return null;
  const button = h("button", { type: "button", class: "danger", id: "cancel-order" }, "Cancel the order");
  button.addEventListener("click", () => {
    if (!window.confirm("Cancel this order? A paid one is refunded what is left, its units back on sale.")) return;
    button.disabled = true;
    call(capsule.POST("/admin/orders/{order_id}/cancel", { path: { order_id: order.order_id } }))
      .then(() => goSaying(`#/order/${encodeURIComponent(order.order_id)}`, "Cancelled."))
      .catch((error: unknown) => {
        button.disabled = false;
        fail(error);
      });
  });
  return h("section", { "aria-labelledby": "cancel-title" }, h("h2", { id: "cancel-title" }, "Cancellation"), button);
}

/** Payments and the provider's refunds, operators' refunds, the history, the emails. */
function story(order: Detail): HTMLElement[] {
  const payments = table(
    "Payments at the provider",
    ["Payment", "Type", "Amount", "Status", "At"],
    order.payments.map((p) => h("tr", { "data-payment-status": p.status }, h("td", {}, p.payment_id), h("td", {}, p.method_type), h("td", { class: "num" }, money(p.amount_cents)), h("td", {}, badge(p.status)), h("td", {}, when(p.at)))),
    { id: "payments" },
  );
  const refunds = table(
    "Operators' refunds",
    ["Amount", "Units returned", "At"],
    order.refunds.map((r) => h("tr", {}, h("td", { class: "num" }, money(r.amount_cents)), h("td", {}, r.lines.map((l) => `${l.quantity} × ${l.product_id}`).join(", ") || "none"), h("td", {}, when(r.at)))),
    { id: "refunds" },
  );
  const history = h(
    "ol",
    { id: "history", class: "history" },
    order.history.map((entry) => h("li", {}, when(entry.at), " — ", entry.fulfilment ? entry.fulfilment.replace(/_/g, " ") : entry.refunded_cents ? `refunded ${money(entry.refunded_cents)}` : entry.status.replace(/_/g, " "))),
  );
  const emails = table(
    "Emails to the buyer",
    ["Subject", "To", "Sent"],
    order.emails.map((m) => h("tr", {}, h("td", {}, m.subject), h("td", {}, m.to.join(", ")), h("td", {}, m.sent_at ? when(m.sent_at) : "waiting in the outbox"))),
    { id: "emails" },
  );
  return [h("h2", {}, "History"), history, payments, refunds, emails];
}
