// What operators read: unpaid carts, payments by type, subscriptions by status with the
// monthly recurring revenue.
import type { Schema } from "@capsule/client";
import { call, capsule } from "../api.js";
import { badge, field, form, go, h, money, more, select, show, table, when } from "../ui.js";

const CART_HEADINGS = ["Buyer", "Items", "Total", "Changed"];

export async function viewCarts(): Promise<void> {
  const page = await call(capsule.GET("/admin/carts", { query: { limit: 50 } }));
  const row = (cart: Schema<"UnpaidCart">) =>
    h("tr", { "data-cart-id": cart.cart_id }, h("td", {}, cart.email), h("td", {}, cart.items.map((i) => `${i.quantity} × ${i.name}`).join(", ")), h("td", { class: "num" }, money(cart.total_cents)), h("td", {}, when(cart.updated_at)));
  const list = table("Non-empty unpaid carts, most recently changed first", CART_HEADINGS, page.items.map(row), { id: "carts" });
  const next = more(list.tBodies[0] ?? list, CART_HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/carts", { query: { limit: 50, cursor } })), row);
  show("Unpaid carts", page.items.length === 0 ? h("p", { class: "muted" }, "No unpaid cart.") : list, next);
}

type MethodType = Schema<"Payment">["method_type"];
const PAYMENT_HEADINGS = ["Payment", "For", "Type", "Amount", "Status", "At"];

export async function viewPayments(params: URLSearchParams): Promise<void> {
  const chosen = params.get("method_type") ?? "";
  const method_type = (chosen || undefined) as MethodType | undefined;
  const page = await call(capsule.GET("/admin/payments", { query: { method_type, limit: 50 } }));
  const kind = select("payments-type", [["", "Every type"], ["card", "Card"], ["crina_pay", "CRINA-PAY"]], chosen);
  const filter = form({ id: "payment-filters", class: "filters", role: "search", "aria-label": "Filter payments" }, "Show", async () => go(kind.value ? `#/payments?method_type=${kind.value}` : "#/payments"), field("Payment type", kind, "/method_type"));
  const list = table("Payments, failures and refunds, newest first", PAYMENT_HEADINGS, page.items.map(paymentRow), { id: "payments" });
  const next = more(list.tBodies[0] ?? list, PAYMENT_HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/payments", { query: { method_type, limit: 50, cursor } })), paymentRow);
  show("Payments", filter, list, next);
}

function paymentRow(payment: Schema<"Payment">): HTMLTableRowElement {
  const target = payment.order_id
    ? h("a", { href: `#/order/${encodeURIComponent(payment.order_id)}` }, `order ${payment.order_id.slice(0, 8)}`)
    : `subscription ${payment.subscription_id ?? ""}`;
  return h(
    "tr",
    { "data-payment-id": payment.payment_id, "data-order-id": payment.order_id ?? "", "data-status": payment.status },
    h("td", {}, payment.payment_id),
    h("td", {}, target),
    h("td", {}, payment.method_type),
    h("td", { class: "num" }, money(payment.amount_cents)),
    h("td", {}, badge(payment.status)),
    h("td", {}, when(payment.at)),
  );
}

const STATUSES: Schema<"SubscriptionStatus">[] = ["active", "trialing", "past_due", "suspended", "incomplete", "cancelled"];
const SUBSCRIPTION_HEADINGS = ["Subscriber", "Plan", "Status", "Since", "Next charge"];

export async function viewSubscriptions(params: URLSearchParams): Promise<void> {
  const chosen = params.get("status") ?? "";
  const status = (chosen || undefined) as Schema<"SubscriptionStatus"> | undefined;
  const page = await call(capsule.GET("/admin/subscriptions", { query: { status, limit: 50 } }));
  const pick = select("subscriptions-status", [["", "Every status"], ...STATUSES.map((s) => [s, s.replace(/_/g, " ")] as const)], chosen);
  const filter = form({ id: "subscription-filters", class: "filters", role: "search", "aria-label": "Filter subscriptions" }, "Show", async () => go(pick.value ? `#/subscriptions?status=${pick.value}` : "#/subscriptions"), field("Status", pick, "/status"));
  const list = table("Subscriptions by status, newest first", SUBSCRIPTION_HEADINGS, page.items.map(subscriptionRow), { id: "subscriptions" });
  const next = more(list.tBodies[0] ?? list, SUBSCRIPTION_HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/subscriptions", { query: { status, limit: 50, cursor } })), subscriptionRow);
  show("Subscriptions", h("p", { class: "lead", id: "mrr" }, `Monthly recurring revenue: ${money(page.mrr_cents)}`), filter, list, next);
}

function subscriptionRow(subscription: Schema<"AdminSubscription">): HTMLTableRowElement {
  return h(
    "tr",
    { "data-subscription-id": subscription.subscription_id, "data-status": subscription.status },
    h("td", {}, subscription.email),
    h("td", {}, `${subscription.plan_name} (${money(subscription.price_cents)}/month)`),
    h("td", {}, badge(subscription.status)),
    h("td", {}, when(subscription.created_at)),
    h("td", {}, when(subscription.next_charge_at)),
  );
}
