// Checkout: delivery (pickup point or home, with a gift), payment (a saved method at once,
// or the hosted payment page), then the order or the payment page.
import type { Schema } from "@capsule/client";

import { call, capsule, explain, isShopError, session } from "../api.js";
import { loadCart } from "../cart.js";
import { field, go, h, money, show } from "../dom.js";
import { actionForm } from "../status.js";
import { linesTable } from "./cart.js";
import { breakdown, describeMethod, needsAccount, paysOnPage, radio, returnUrls, toPaymentPage } from "./common.js";
import { t } from "../i18n.js";

type Address = Schema<"Address">;
type AddressInputs = Record<keyof Address, HTMLInputElement>;

export async function viewCheckout(): Promise<void> {
  if (!session.token) return needsAccount("cart");
  const [cart, points, methods] = await Promise.all([loadCart(), call(capsule.GET("/pickup-points")), call(capsule.GET("/payment-methods"))]);
  if (!cart || cart.items.length === 0) return go("#/cart");
  const pickupSelect = h(
    "select",
    { id: "pickup-point" },
    points.items.map((p) => h("option", { value: p.pickup_point_id }, `${p.name} — ${p.address}`)),
  );
  const address: AddressInputs = {
    name: h("input", { type: "text", id: "addr-name", autocomplete: "name", value: session.user?.name || "", "data-field": "/delivery/address/name" }),
    line1: h("input", { type: "text", id: "addr-line1", autocomplete: "address-line1", "data-field": "/delivery/address/line1" }),
    line2: h("input", { type: "text", id: "addr-line2", autocomplete: "address-line2", "data-field": "/delivery/address/line2" }),
    postal_code: h("input", { type: "text", id: "addr-postal", autocomplete: "postal-code", "data-field": "/delivery/address/postal_code" }),
    city: h("input", { type: "text", id: "addr-city", autocomplete: "address-level2", "data-field": "/delivery/address/city" }),
    country: h("input", { type: "text", id: "addr-country", autocomplete: "country", value: "FR", "data-field": "/delivery/address/country" }),
  };
  const pickupBox = h("div", { id: "pickup-fields" }, field(t("Pickup point"), pickupSelect));
  const homeBox = h(
    "div",
    { id: "home-fields", hidden: true },
    field(t("Name"), address.name),
    field(t("Address"), address.line1),
    field(t("Address line 2 (optional)"), address.line2),
    field(t("Postal code"), address.postal_code),
    field(t("City"), address.city),
    field(t("Country"), address.country),
  );
  const giftType = h(
    "select",
    { id: "gift-type" },
    h("option", { value: "" }, t("No gift")),
    h("option", { value: "simple" }, t("Simple gift wrap")),
    h("option", { value: "birthday" }, t("Birthday wrap")),
    h("option", { value: "wedding" }, t("Wedding wrap")),
  );
  const giftMessage = h("textarea", { id: "gift-message", maxlength: "500", rows: "2", "data-field": "/gift/message" });
  const giftBox = h(
    "fieldset",
    { id: "gift-fields", disabled: true },
    h("legend", {}, t("Gift (home delivery only)")),
    field(t("Wrapping"), giftType, t("Its fee is added to the total.")),
    field(t("Message (optional)"), giftMessage),
  );
  const delivery = h(
    "fieldset",
    {},
    h("legend", {}, t("Delivery")),
    radio("delivery", "pickup", t("Pickup point (free)"), true, "delivery-pickup"),
    radio("delivery", "home", t("Home delivery"), false, "delivery-home"),
    pickupBox,
    homeBox,
  );
  delivery.addEventListener("change", () => {
    const home = checked(delivery, "delivery") === "home";
    homeBox.hidden = !home;
    pickupBox.hidden = home;
    giftBox.disabled = !home;
  });
  /** The delivery and gift as the form says them: what the quote prices and checkout takes. */
  const choice = (): Schema<"QuoteRequest"> => {
    const home = checked(delivery, "delivery") === "home";
    const gift = giftType.value;
    return {
      delivery: home ? { mode: "home", address: addressOf(address) } : { mode: "pickup", pickup_point_id: pickupSelect.value },
      gift: home && isGiftType(gift) ? { type: gift, ...(giftMessage.value.trim() ? { message: giftMessage.value.trim() } : {}) } : null,
    };
  };
  const usable = methods.items.filter((m) => !(m.type === "card" && m.expired));
  const payment = h(
    "fieldset",
    {},
    h("legend", {}, t("Payment")),
    usable.map((m, i) => radio("payment", m.payment_method_id, t("Pay now with {method}", { method: describeMethod(m) }), i === 0, `pay-${m.payment_method_id}`)),
    radio("payment", "card", t("Card, on the secure payment page"), usable.length === 0, "pay-card"),
    radio("payment", "crina_pay", t("CRINA-PAY, on the secure payment page"), false, "pay-crina"),
    h("div", { class: "choice" }, h("input", { type: "checkbox", id: "save-method" }), h("label", { for: "save-method" }, t("Offer to save my card or phone for next time"))),
  );
  const save = payment.querySelector<HTMLInputElement>("#save-method");
  const submit = h("button", { type: "submit", id: "place-order" }, t("Pay"));
  const fees = h("div", { id: "quote" });
  // The fees and the total the payment page will charge, from the API (`POST /cart/quote`),
  // again at every change of the delivery or the gift: the pay button says that total.
  let asked = 0;
  const requote = async (): Promise<void> => {
    const ask = ++asked;
    let shown: Node;
    let total: number | null = null;
    try {
      const quote = await call(capsule.POST("/cart/quote", { body: choice() }));
      total = quote.total_cents;
      shown = breakdown([
        [t("Delivery"), money(quote.delivery_fee_cents)],
        quote.gift_fee_cents ? [t("Gift wrap"), money(quote.gift_fee_cents)] : null,
        [t("Total to pay"), money(quote.total_cents), { class: "total", data: { id: "quote-total" } }],
      ]);
    } catch (error) {
      // Until the address is complete, the form says what is missing instead of a total.
      shown = h("p", { class: "muted", id: "quote-missing" }, isShopError(error) ? explain(error.error) : "");
    }
    if (ask !== asked) return;
    fees.replaceChildren(shown);
    submit.textContent = total === null ? t("Pay") : t("Pay {amount}", { amount: money(total) });
    if (total === null) delete submit.dataset.totalCents;
    else submit.dataset.totalCents = String(total);
  };
  const form = actionForm(
    { id: "checkout-form" },
    submit,
    async () => {
      const method = checked(form, "payment");
      const body: Schema<"CheckoutRequest"> = {
        payment_method: method,
        save_payment_method: save?.checked ?? false,
        ...choice(),
        ...(paysOnPage(method) ? returnUrls() : {}),
      };
      const placed = await call(capsule.POST("/checkout", { body }));
      if ("redirect_url" in placed) toPaymentPage(placed.redirect_url);
      else go(`#/order/${encodeURIComponent(placed.order_id)}`);
    },
    delivery,
    giftBox,
    payment,
    h("p", { class: "muted" }, t("Stock is held for you while you pay.")),
    submit,
  );
  for (const part of [delivery, giftBox]) {
    part.addEventListener("change", () => void requote());
    part.addEventListener("input", () => void requote());
  }
  show(
    t("Checkout"),
    h(
      "section",
      { "aria-labelledby": "recap-title", class: "summary" },
      h("h2", { id: "recap-title" }, t("Your order")),
      linesTable(cart.items, null),
      breakdown([
        [t("Subtotal"), money(cart.subtotal_cents)],
        cart.volume_discount_cents ? [t("Volume discount ({percent}%)", { percent: cart.volume_discount_percent }), money(-cart.volume_discount_cents)] : null,
        cart.promo_discount_cents ? [t("Promo code {code}", { code: cart.promo_code ?? "" }), money(-cart.promo_discount_cents)] : null,
        [t("Total before fees"), money(cart.total_cents), { class: "total" }],
      ]),
      fees,
    ),
    form,
  );
  await requote();
}

/** The value of the checked radio button named `name` in `within`. */
function checked(within: HTMLElement, name: string): string {
  return within.querySelector<HTMLInputElement>(`input[name=${name}]:checked`)?.value ?? "";
}

const isGiftType = (value: string): value is Schema<"Gift">["type"] => value === "simple" || value === "birthday" || value === "wedding";

function addressOf(inputs: AddressInputs): Address {
  const text = (input: HTMLInputElement): string => input.value.trim();
  const line2 = text(inputs.line2);
  return {
    name: text(inputs.name),
    line1: text(inputs.line1),
    ...(line2 ? { line2 } : {}),
    postal_code: text(inputs.postal_code),
    city: text(inputs.city),
    country: text(inputs.country),
  };
}
