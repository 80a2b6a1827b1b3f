// The shop's setup: settings, plans and pickup points.
import type { Schema } from "@capsule/client";
import { call, capsule } from "../api.js";
import { cents, field, form, goSaying, h, input, money, select, show, table, whole } from "../ui.js";

type Settings = Schema<"Settings">;

export async function viewSettings(): Promise<void> {
  const settings = await call(capsule.GET("/admin/settings"));
  show("Settings", settingsForm(settings));
}

/** A whole number setting: its input and how it is read back. */
function number(key: string, value: number | undefined) {
  const box = input(`setting-${key}`, { type: "number", min: 0, inputmode: "numeric", value: value ?? "" });
  return { box, read: (label: string) => whole(box.value, `/${key}`, label) };
}

function settingsForm(settings: Settings): HTMLFormElement {
  const n = {
    cancellation_window_minutes: number("cancellation_window_minutes", settings.cancellation_window_minutes),
    payment_session_minutes: number("payment_session_minutes", settings.payment_session_minutes),
    low_stock_threshold: number("low_stock_threshold", settings.low_stock_threshold),
    trial_days: number("trial_days", settings.trial_days),
    sale_unit_limit: number("sale_unit_limit", settings.sale_unit_limit),
    card_expiry_notice_days: number("card_expiry_notice_days", settings.card_expiry_notice_days),
    signups_per_address_per_hour: number("signups_per_address_per_hour", settings.signups_per_address_per_hour),
    max_unpaid_units_per_product: number("max_unpaid_units_per_product", settings.max_unpaid_units_per_product),
    vat_rate_basis_points: number("vat_rate_basis_points", settings.vat_rate_basis_points),
  };
  const euros = (key: string, value: number) => input(`setting-${key}`, { inputmode: "decimal", value: (value / 100).toFixed(2) });
  const delivery = euros("home_delivery_fee_cents", settings.home_delivery_fee_cents);
  const gifts = {
    simple: euros("gift-simple", settings.gift_fees_cents.simple),
    birthday: euros("gift-birthday", settings.gift_fees_cents.birthday),
    wedding: euros("gift-wedding", settings.gift_fees_cents.wedding),
  };
  const managers = h("textarea", { id: "setting-stock_manager_emails", rows: 3 }, settings.stock_manager_emails.join("\n"));
  const locale = select("setting-default_locale", [["fr", "French"], ["en", "English"]], settings.default_locale ?? "fr");
  const shop = settings.shop;
  const identity = {
    name: input("setting-shop-name", { value: shop?.name ?? "" }),
    legal_name: input("setting-shop-legal", { value: shop?.legal_name ?? "" }),
    address: input("setting-shop-address", { value: shop?.address ?? "" }),
    vat_number: input("setting-shop-vat", { value: shop?.vat_number ?? "" }),
  };
  return form(
    { id: "settings", class: "card" },
    "Save the settings",
    async () => {
      const body: Settings = {
        cancellation_window_minutes: n.cancellation_window_minutes.read("Cancellation window"),
        payment_session_minutes: n.payment_session_minutes.read("Payment page lifetime"),
        home_delivery_fee_cents: cents(delivery.value, "/home_delivery_fee_cents", "Home delivery fee"),
        gift_fees_cents: {
          simple: cents(gifts.simple.value, "/gift_fees_cents/simple", "Simple gift wrap"),
          birthday: cents(gifts.birthday.value, "/gift_fees_cents/birthday", "Birthday gift wrap"),
          wedding: cents(gifts.wedding.value, "/gift_fees_cents/wedding", "Wedding gift wrap"),
        },
        low_stock_threshold: n.low_stock_threshold.read("Low-stock threshold"),
        stock_manager_emails: managers.value.split(/[\s,]+/).filter(Boolean),
        trial_days: n.trial_days.read("Free trial"),
        sale_unit_limit: n.sale_unit_limit.read("Sale unit limit"),
        card_expiry_notice_days: n.card_expiry_notice_days.read("Card expiry notice"),
        signups_per_address_per_hour: n.signups_per_address_per_hour.read("Signups per address"),
        max_unpaid_units_per_product: n.max_unpaid_units_per_product.read("Unpaid units per product"),
        vat_rate_basis_points: n.vat_rate_basis_points.read("VAT rate"),
        default_locale: locale.value as Schema<"Locale">,
        shop: { name: identity.name.value.trim(), legal_name: identity.legal_name.value.trim(), address: identity.address.value.trim(), vat_number: identity.vat_number.value.trim() },
      };
      await call(capsule.PUT("/admin/settings", { body }));
      goSaying("#/settings", "Settings saved.");
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "Orders"),
      field("Cancellation window (minutes)", n.cancellation_window_minutes.box, "/cancellation_window_minutes"),
      field("Payment page lifetime (minutes)", n.payment_session_minutes.box, "/payment_session_minutes"),
      field("Home delivery fee (euros)", delivery, "/home_delivery_fee_cents"),
      field("Simple gift wrap (euros)", gifts.simple, "/gift_fees_cents/simple"),
      field("Birthday gift wrap (euros)", gifts.birthday, "/gift_fees_cents/birthday"),
      field("Wedding gift wrap (euros)", gifts.wedding, "/gift_fees_cents/wedding"),
      field("Units one buyer may hold unpaid, per product", n.max_unpaid_units_per_product.box, "/max_unpaid_units_per_product"),
      field("Units per buyer during a sale", n.sale_unit_limit.box, "/sale_unit_limit"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Stock"),
      field("Low-stock threshold", n.low_stock_threshold.box, "/low_stock_threshold"),
      field("Stock managers' emails", managers, "/stock_manager_emails", "One a line; each is emailed a low-stock alert."),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Accounts and subscriptions"),
      field("Free trial (days)", n.trial_days.box, "/trial_days"),
      field("Card expiry notice (days)", n.card_expiry_notice_days.box, "/card_expiry_notice_days"),
      field("Signups per address per hour", n.signups_per_address_per_hour.box, "/signups_per_address_per_hour"),
      field("Default language", locale, "/default_locale"),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "The shop"),
      field("Name", identity.name, "/shop/name"),
      field("Legal name", identity.legal_name, "/shop/legal_name"),
      field("Address", identity.address, "/shop/address"),
      field("VAT number", identity.vat_number, "/shop/vat_number"),
      field("VAT rate (hundredths of a percent)", n.vat_rate_basis_points.box, "/vat_rate_basis_points", "2000 is 20 %."),
    ),
  );
}

export async function viewPlans(): Promise<void> {
  const plans = await call(capsule.GET("/admin/plans"));
  const rows = plans.items.map((plan) =>
    h("tr", { "data-plan-id": plan.plan_id }, h("td", {}, plan.plan_id), h("td", {}, plan.name), h("td", { class: "num" }, money(plan.price_cents)), h("td", {}, h("details", {}, h("summary", {}, `Edit ${plan.name}`), planForm(plan)))),
  );
  show("Plans", h("details", { class: "card" }, h("summary", { id: "open-new-plan" }, "New plan"), planForm(null)), table("Every plan", ["Plan", "Name", "Per month", "Change"], rows, { id: "plans" }));
}

function planForm(plan: Schema<"Plan"> | null): HTMLFormElement {
  const id = plan ? `plan-${plan.plan_id}` : "new-plan";
  const planId = input(`${id}-id`, { value: plan?.plan_id ?? "", pattern: "[a-z0-9-]{1,40}", required: true });
  const name = input(`${id}-name`, { value: plan?.name ?? "", required: true });
  const price = input(`${id}-price`, { inputmode: "decimal", value: plan ? (plan.price_cents / 100).toFixed(2) : "", required: true });
  return form(
    { id },
    plan ? "Save" : "Create the plan",
    async () => {
      const values = { name: name.value.trim(), price_cents: cents(price.value, "/price_cents", "Price") };
      if (plan) await call(capsule.PATCH("/admin/plans/{plan_id}", { path: { plan_id: plan.plan_id }, body: values }));
      else await call(capsule.POST("/admin/plans", { body: { plan_id: planId.value.trim(), ...values } }));
      goSaying("#/plans", `${values.name} saved. Subscriptions keep the price they were taken at.`);
    },
    plan ? null : field("Plan id", planId, "/plan_id", "Lower-case letters, digits and -."),
    field("Name", name, "/name"),
    field("Price per month (euros)", price, "/price_cents"),
  );
}

export async function viewPickupPoints(): Promise<void> {
  const points = await call(capsule.GET("/admin/pickup-points"));
  const rows = points.items.map((point) =>
    h("tr", { "data-pickup-point-id": point.pickup_point_id }, h("td", {}, point.pickup_point_id), h("td", {}, point.name), h("td", {}, point.address), h("td", {}, h("details", {}, h("summary", {}, `Edit ${point.name}`), pickupForm(point)))),
  );
  show("Pickup points", h("details", { class: "card" }, h("summary", { id: "open-new-pickup-point" }, "New pickup point"), pickupForm(null)), table("Every pickup point", ["Id", "Name", "Address", "Change"], rows, { id: "pickup-points" }));
}

function pickupForm(point: Schema<"PickupPoint"> | null): HTMLFormElement {
  const id = point ? `pp-${point.pickup_point_id}` : "new-pickup-point";
  const pointId = input(`${id}-id`, { value: point?.pickup_point_id ?? "", required: true });
  const name = input(`${id}-name`, { value: point?.name ?? "", required: true });
  const address = input(`${id}-address`, { value: point?.address ?? "", required: true });
  return form(
    { id },
    point ? "Save" : "Create the pickup point",
    async () => {
      const values = { name: name.value.trim(), address: address.value.trim() };
      if (point) await call(capsule.PATCH("/admin/pickup-points/{pickup_point_id}", { path: { pickup_point_id: point.pickup_point_id }, body: values }));
      else await call(capsule.POST("/admin/pickup-points", { body: { pickup_point_id: pointId.value.trim(), ...values } }));
      goSaying("#/pickup-points", `${values.name} saved.`);
    },
    point ? null : field("Id", pointId, "/pickup_point_id", "Lower-case letters, digits and -."),
    field("Name", name, "/name"),
    field("Address", address, "/address"),
  );
}
