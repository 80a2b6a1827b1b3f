// The dashboard: today's orders and what they brought in, the monthly recurring revenue,
// the latest stock alerts.
import type { Schema } from "@capsule/client";
import { call, capsule } from "../api.js";
import { h, money, show, table, when } from "../ui.js";

/** Pages of today's orders read at the most (100 each): a busier day says "at least". */
const MAX_PAGES = 10;

export async function viewDashboard(): Promise<void> {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const [today, subscriptions, alerts] = await Promise.all([
    ordersSince(midnight.toISOString()),
    call(capsule.GET("/admin/subscriptions", { query: { limit: 1 } })),
    call(capsule.GET("/admin/stock-alerts", { query: { limit: 10 } })),
  ]);
  const paid = today.orders.filter((o) => o.paid_at !== null);
  const revenue = paid.reduce((sum, o) => sum + o.total_cents - (o.status === "cancelled" ? o.total_cents : (o.refunded_cents ?? 0)), 0);
  const figure = (id: string, label: string, value: string) => h("div", { class: "figure", id }, h("dt", {}, label), h("dd", {}, value));
  const more = today.complete ? "" : " or more";
  show(
    "Dashboard",
    h(
      "dl",
      { class: "figures" },
      figure("today-orders", "Orders today", `${today.orders.length}${more}`),
      figure("today-paid", "Paid today", `${paid.length}${more}`),
      figure("today-revenue", "Revenue today (less refunds)", money(revenue)),
      figure("mrr", "Monthly recurring revenue", money(subscriptions.mrr_cents)),
    ),
    h("h2", {}, "Stock alerts"),
    alerts.items.length === 0
      ? h("p", { class: "muted" }, "No stock alert was sent.")
      : table("The latest low-stock alerts", ["Product", "Stock then", "Stock now", "Alerted"], alerts.items.map(alertRow), { id: "stock-alerts" }),
    h("p", {}, h("a", { href: "#/orders" }, "Every order"), " · ", h("a", { href: "#/products" }, "Products")),
  );
}

async function ordersSince(from: string): Promise<{ orders: Schema<"AdminOrder">[]; complete: boolean }> {
  const orders: Schema<"AdminOrder">[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await call(capsule.GET("/admin/orders", { query: { from, limit: 100, cursor } }));
    orders.push(...answer.items);
    if (answer.next_cursor === null) return { orders, complete: true };
    cursor = answer.next_cursor;
  }
  return { orders, complete: false };
}

function alertRow(alert: Schema<"StockAlert">): HTMLTableRowElement {
  const low = alert.current_stock === null ? "gone" : String(alert.current_stock);
  return h("tr", { "data-product-id": alert.product_id }, h("td", {}, alert.name), h("td", { class: "num" }, String(alert.stock)), h("td", { class: "num" }, low), h("td", {}, when(alert.alerted_at)));
}
