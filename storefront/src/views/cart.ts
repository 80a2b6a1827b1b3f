// The cart: its lines (editable), its price breakdown and promo code; a guest's is priced
// from the catalogue until they sign in.
import type { Schema } from "@capsule/client";

import { call, capsule, problem } from "../api.js";
import { guestCart, loadCart, setCart, type GuestLine } from "../cart.js";
import { field, h, money, show } from "../dom.js";
import { act, actionForm, fail, say } from "../status.js";
import { breakdown } from "./common.js";
import { t } from "../i18n.js";

type Line = Schema<"CartLine"> | GuestLine;

/** How a table's lines change: `set` a line's quantity (0 removes it). */
interface Editable {
  set(line: Line, quantity: number, control: HTMLButtonElement): void;
}

function lineRow(line: Line, editable: Editable | null): HTMLTableRowElement {
  const discounted = line.unit_effective_price_cents < line.unit_price_cents;
  const percent = Math.round(100 - (line.unit_effective_price_cents * 100) / line.unit_price_cents);
  const cells = [
    h("th", { scope: "row" }, line.name),
    h(
      "td",
      {},
      discounted
        ? [h("del", {}, money(line.unit_price_cents)), " ", money(line.unit_effective_price_cents), " ", h("span", { class: "tag" }, `−${percent}%`)]
        : money(line.unit_price_cents),
    ),
  ];
  if (editable) {
    const quantity = h("input", {
      type: "number",
      min: "0",
      value: String(line.quantity),
      inputmode: "numeric",
      "aria-label": t("Quantity of {name}", { name: line.name }),
    });
    const update = h("button", { type: "button", class: "secondary" }, t("Update"));
    const remove = h("button", { type: "button", class: "secondary", "aria-label": t("Remove {name}", { name: line.name }) }, t("Remove"));
    update.addEventListener("click", () => editable.set(line, Number.parseInt(quantity.value, 10), update));
    remove.addEventListener("click", () => editable.set(line, 0, remove));
    cells.push(h("td", { class: "qty" }, quantity, update, remove));
  } else {
    cells.push(h("td", {}, String(line.quantity)));
  }
  const total = "line_total_cents" in line ? line.line_total_cents : line.unit_effective_price_cents * line.quantity;
  cells.push(h("td", { class: "num" }, money(total)));
  return h("tr", { "data-product-id": line.product_id }, cells);
}

export function linesTable(lines: readonly Line[], editable: Editable | null): HTMLTableElement {
  return h(
    "table",
    { class: "lines" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, t("Cap")),
        h("th", { scope: "col" }, t("Unit price")),
        h("th", { scope: "col" }, t("Quantity")),
        h("th", { scope: "col", class: "num" }, t("Total")),
      ),
    ),
    h(
      "tbody",
      {},
      lines.map((line) => lineRow(line, editable)),
    ),
  );
}

const emptyCart = (): HTMLParagraphElement =>
  h("p", { id: "cart-empty" }, t("Your cart is empty. "), h("a", { href: "#/" }, t("Browse the caps.")));

export async function viewCart(): Promise<void> {
  const cart = await loadCart();
  if (!cart) return viewGuestCart();
  if (cart.items.length === 0) return show(t("Your cart"), emptyCart());
  const editable: Editable = {
    set: (line, n, control) =>
      void act(control, async () => {
        if (!Number.isInteger(n) || n < 0) throw problem("invalid_request", t("Choose a quantity of 0 or more."));
        const path = { product_id: line.product_id };
        setCart(
          n === 0
            ? await call(capsule.DELETE("/cart/items/{product_id}", { path }))
            : await call(capsule.PUT("/cart/items/{product_id}", { path, body: { quantity: n } })),
        );
        say(n === 0 ? t("{name} removed.", { name: line.name }) : `${line.name}: ${n}.`);
        await viewCart();
      }),
  };
  show(t("Your cart"), linesTable(cart.items, editable), summary(cart), promoCode(cart), h("p", {}, h("a", { class: "button", href: "#/checkout", id: "to-checkout" }, t("Check out"))));
}

function summary(cart: Schema<"Cart">): HTMLElement {
  const volume = cart.volume_discount_percent ? ` (${cart.volume_discount_percent}%)` : "";
  return h(
    "section",
    { "aria-labelledby": "summary-title", class: "summary", id: "cart-summary", "data-total-cents": cart.total_cents },
    h("h2", { id: "summary-title" }, t("Price breakdown")),
    breakdown([
      [t("Subtotal"), money(cart.subtotal_cents), { data: { "data-subtotal-cents": cart.subtotal_cents } }],
      [
        t("Volume discount{percent}", { percent: volume }),
        cart.volume_discount_cents ? money(-cart.volume_discount_cents) : t("none"),
        { data: { "data-volume-percent": cart.volume_discount_percent } },
      ],
      [t("Promo code{code}", { code: cart.promo_code ? ` ${cart.promo_code}` : "" }), cart.promo_discount_cents ? money(-cart.promo_discount_cents) : t("none")],
      [t("Total before fees"), money(cart.total_cents), { class: "total", data: { "data-total-cents": cart.total_cents } }],
    ]),
    h(
      "p",
      { class: "muted" },
      t("Sale and 5% product discounts are in the unit prices. 5% off with more than 5 different caps of 2+ units each, 10% with more than 10 of 4+. Home delivery and gift wrapping fees are added at checkout."),
    ),
  );
}

function promoCode(cart: Schema<"Cart">): HTMLElement {
  if (cart.promo_code) {
    const remove = h("button", { type: "button", class: "link" }, t("Remove the code"));
    remove.addEventListener("click", () =>
      void act(remove, async () => {
        setCart(await call(capsule.DELETE("/cart/promo-code")));
        say(t("Promo code removed."));
        await viewCart();
      }),
    );
    return h("p", {}, t("Promo code {code} applied. ", { code: cart.promo_code }), remove);
  }
  const code = h("input", { type: "text", id: "promo", autocomplete: "off", maxlength: "64", "data-field": "/code" });
  const apply = h("button", { type: "submit", class: "secondary" }, t("Apply"));
  return actionForm(
    { class: "inline" },
    apply,
    async () => {
      setCart(await call(capsule.POST("/cart/promo-code", { body: { code: code.value } })));
      say(t("Promo code applied."));
      await viewCart();
    },
    field(t("Promo code"), code),
    apply,
  );
}

function viewGuestCart(): void {
  const lines = guestCart.lines();
  if (lines.length === 0) return show(t("Your cart"), emptyCart());
  const editable: Editable = {
    set: (line, n) => {
      if (!Number.isInteger(n) || n < 0) return fail(problem("invalid_request", t("Choose a quantity of 0 or more.")));
      const kept = guestCart
        .lines()
        .map((l) => (l.product_id === line.product_id ? { ...l, quantity: n } : l))
        .filter((l) => l.quantity > 0);
      guestCart.save(kept);
      void loadCart();
      viewGuestCart();
    },
  };
  const subtotal = lines.reduce((sum, l) => sum + l.unit_effective_price_cents * l.quantity, 0);
  show(
    t("Your cart"),
    linesTable(lines, editable),
    h(
      "section",
      { class: "summary", id: "cart-summary", "aria-labelledby": "summary-title" },
      h("h2", { id: "summary-title" }, t("Price breakdown")),
      breakdown([[t("Subtotal"), money(subtotal), { data: { "data-subtotal-cents": subtotal } }]]),
      h("p", { class: "muted" }, t("Volume discounts, promo codes and fees are worked out once you sign in: your cart comes with you.")),
    ),
    h("p", {}, h("a", { class: "button", href: "#/account?next=cart", id: "to-signin" }, t("Sign in to check out"))),
  );
}
