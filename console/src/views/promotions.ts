// Promo codes: every code with its uses; create one (an owner's, with a commission, or
// shop-wide; a percent or a fixed amount off), deactivate it, see what it earned its owner.
import type { Schema } from "@capsule/client";
import { call, capsule } from "../api.js";
import { badge, cents, fail, field, form, goSaying, h, input, instant, money, more, select, show, table, when, whole } from "../ui.js";

type Code = Schema<"PromoCode">;
const HEADINGS = ["Code", "Discount", "Owner", "Commission", "Uses", "Expires", "State", "Change"];

export async function viewPromoCodes(): Promise<void> {
  const page = await call(capsule.GET("/admin/promo-codes", { query: { limit: 50 } }));
  const list = table("Every promo code", HEADINGS, page.items.map(codeRow), { id: "promo-codes" });
  const next = more(list.tBodies[0] ?? list, HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/promo-codes", { query: { limit: 50, cursor } })), codeRow);
  show("Promo codes", h("details", { class: "card" }, h("summary", { id: "open-new-code" }, "New promo code"), newCodeForm()), list, next);
}

function codeRow(code: Code): HTMLTableRowElement {
  const off = code.discount_amount_cents !== undefined ? money(code.discount_amount_cents) : `${code.discount_percent ?? 0}%`;
  const deactivate = h("button", { type: "button", class: "secondary", "data-deactivate": code.code, hidden: !code.active }, "Deactivate");
  deactivate.addEventListener("click", () => {
    if (!window.confirm(`Deactivate ${code.code}? Buyers can no longer use it; orders placed with it keep their discount.`)) return;
    deactivate.disabled = true;
    call(capsule.POST("/admin/promo-codes/{code}/deactivate", { path: { code: code.code } }))
      .then(() => goSaying("#/promo-codes", `${code.code} is deactivated.`))
      .catch((error: unknown) => {
        deactivate.disabled = false;
        fail(error);
      });
  });
  return h(
    "tr",
    { "data-code": code.code, "data-active": String(code.active) },
    h("td", {}, code.code),
    h("td", {}, off),
    h("td", {}, code.owner_user_id ?? "shop-wide"),
    h("td", {}, code.owner_user_id ? h("a", { href: `#/promo-codes/${encodeURIComponent(code.code)}/commissions` }, `${code.commission_percent}%`) : "none"),
    h("td", { class: "num" }, `${code.uses}${code.max_uses ? ` / ${code.max_uses}` : ""}`),
    h("td", {}, when(code.expires_at) || "never"),
    h("td", {}, badge(code.active ? "active" : "deactivated")),
    h("td", {}, deactivate),
  );
}

function newCodeForm(): HTMLFormElement {
  const code = input("code-code", { autocomplete: "off", maxlength: 32, required: true });
  const kind = select("code-kind", [["percent", "A percent off"], ["amount", "A fixed amount off (euros)"]]);
  const value = input("code-value", { inputmode: "decimal", required: true });
  const owner = input("code-owner", { autocomplete: "off" });
  const commission = input("code-commission", { type: "number", min: 0, max: 100, inputmode: "numeric" });
  const maxUses = input("code-max-uses", { type: "number", min: 1, inputmode: "numeric" });
  const expires = input("code-expires", { type: "datetime-local" });
  const follow = (): void => {
    value.dataset.field = kind.value === "percent" ? "/discount_percent" : "/discount_amount_cents";
  };
  kind.addEventListener("change", follow);
  follow();
  return form(
    { id: "new-code" },
    "Create the code",
    async () => {
      const ownerId = owner.value.trim();
      const body: Schema<"NewPromoCodeRequest"> = {
        code: code.value.trim(),
        ...(kind.value === "percent" ? { discount_percent: whole(value.value, "/discount_percent", "Discount") } : { discount_amount_cents: cents(value.value, "/discount_amount_cents", "Discount") }),
        ...(ownerId ? { owner_user_id: ownerId } : {}),
        ...(commission.value.trim() ? { commission_percent: whole(commission.value, "/commission_percent", "Commission") } : {}),
        ...(maxUses.value.trim() ? { max_uses: whole(maxUses.value, "/max_uses", "Uses") } : {}),
        ...(expires.value ? { expires_at: instant(expires.value, "/expires_at", "Expires") } : {}),
      };
      const created = await call(capsule.POST("/admin/promo-codes", { body }));
      goSaying("#/promo-codes", `${created.code} created.`);
    },
    field("Code", code, "/code", "3 to 32 letters, digits, - or _."),
    field("Discount", kind),
    field("Discount value", value, undefined, "A percent, or euros for a fixed amount."),
    field("Owner's user id", owner, "/owner_user_id", "Empty: a shop-wide code, with no commission."),
    field("Owner's commission (%)", commission, "/commission_percent"),
    field("Most uses", maxUses, "/max_uses", "Empty: unlimited."),
    field("Expires", expires, "/expires_at", "Empty: never."),
  );
}

export async function viewCommissions(code: string): Promise<void> {
  const answer = await call(capsule.GET("/admin/promo-codes/{code}/commissions", { path: { code } }));
  const rows = answer.items.map((c) =>
    h("tr", { "data-order-id": c.order_id }, h("td", {}, h("a", { href: `#/order/${encodeURIComponent(c.order_id)}` }, c.order_id)), h("td", { class: "num" }, money(c.amount_cents)), h("td", {}, badge(c.status))),
  );
  show(
    `Commissions of ${code}`,
    h("p", { class: "lead", id: "commission-total" }, `Earned in all: ${money(answer.total_earned_cents)}`),
    answer.items.length === 0 ? h("p", { class: "muted" }, "No order used this code yet.") : table("Commissions, oldest order first", ["Order", "Commission", "Status"], rows, { id: "commissions" }),
    h("p", {}, h("a", { href: "#/promo-codes" }, "Back to the promo codes")),
  );
}
