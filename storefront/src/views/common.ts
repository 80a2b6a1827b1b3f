// Pieces more than one view shows: price breakdowns, payment methods, the way to the
// hosted payment page and back.
import type { Schema } from "@capsule/client";

import { h, type Child } from "../dom.js";
import { t } from "../i18n.js";
import { goSaying, say } from "../status.js";

/** A row of a breakdown: label, value, and the row's class or the value's data attributes. */
export type Row = [label: string, value: Child, attrs?: { class?: string; data?: Record<string, string | number> }];

export function breakdown(rows: (Row | null)[]): HTMLDListElement {
  return h(
    "dl",
    { class: "breakdown" },
    rows
      .filter((row): row is Row => row !== null)
      .map(([label, value, attrs = {}]) => h("div", { class: attrs.class || "" }, h("dt", {}, label), h("dd", attrs.data || {}, value))),
  );
}

type SavedMethod = Schema<"SavedMethod">;
type SubscriptionMethod = Schema<"SubscriptionMethod">;

export function describeMethod(method: SavedMethod | SubscriptionMethod | null | undefined): string {
  if (!method) return t("none");
  if (method.type === "crina_pay") return t("CRINA-PAY ending in {last4}", { last4: method.phone_last4 ?? "" });
  const expiry =
    "exp_month" in method && method.exp_month
      ? t(" (expires {month}/{year})", { month: String(method.exp_month).padStart(2, "0"), year: method.exp_year ?? "" })
      : "";
  return t("{brand} ending in {last4}", { brand: method.brand ?? "", last4: method.last4 ?? "" }) + expiry;
}

export function needsAccount(next: "cart" | "orders" | "plans"): void {
  goSaying(`#/account?next=${next}`, { message: t("Sign in first.") });
}

// `card` and `crina_pay` are paid on the hosted page; anything else is a saved method.
export const paysOnPage = (method: string): boolean => method === "card" || method === "crina_pay";

export function toPaymentPage(url: string): void {
  say(t("Taking you to the secure payment page…"));
  window.location.assign(url);
}

// Where the payment page sends the buyer back to: this page, on this origin.
export function returnUrls(): { success_url: string; cancel_url: string } {
  const here = window.location.origin + window.location.pathname;
  return { success_url: `${here}?return=success`, cancel_url: `${here}?return=cancel` };
}

export function radio(name: string, value: string, label: string, checked: boolean, id: string): HTMLDivElement {
  return h("div", { class: "choice" }, h("input", { type: "radio", name, value, id, checked }), h("label", { for: id }, label));
}
