// What the generated types promise a caller, checked by the compiler (never run): a wrong
// path, a missing parameter or body, or a code the operation does not declare, does not
// compile; and openapi.yaml keeps the promises item by item.
import type { components, DataOf, ErrorOf, operations, RequestOf, Schema } from "../src/index.js";
import { createClient } from "../src/index.js";

type Internal = components["responses"]["Internal"];
type RetryAfterHeader = { headers: { "Retry-After"?: unknown } };

/** The JSON operations (those that may answer 500 `internal`) that do not declare 503 `service_unavailable` with `Retry-After`. */
type WithoutServiceUnavailable = {
  [K in keyof operations]: operations[K]["responses"] extends { 500: Internal }
    ? operations[K]["responses"] extends { 503: RetryAfterHeader }
      ? Extract<ErrorOf<operations[K]>, { code: "service_unavailable" }> extends never
        ? K
        : never
      : K
    : never;
}[keyof operations];
export const everyOperationMayAnswer503: [WithoutServiceUnavailable] extends [never] ? true : WithoutServiceUnavailable = true;

// A request's defaults leave its fields optional: a checkout needs only a method and a delivery.
export const minimalCheckout: Schema<"CheckoutRequest"> = {
  payment_method: "card",
  delivery: { mode: "pickup", pickup_point_id: "pp-bastille" },
};
// The settings' PUT may leave out what the API fills in; its answers always carry them.
export const settingsUpdate: RequestOf<operations["putSettings"]>["body"] = {
  cancellation_window_minutes: 1440,
  payment_session_minutes: 30,
  home_delivery_fee_cents: 590,
  gift_fees_cents: { simple: 200, birthday: 350, wedding: 500 },
  low_stock_threshold: 5,
  stock_manager_emails: [],
  trial_days: 14,
  sale_unit_limit: 20,
};
export const noticeDays = (settings: DataOf<operations["getSettings"]>): number => settings.card_expiry_notice_days;

export async function misuses(): Promise<void> {
  const capsule = createClient({ baseUrl: "" });
  // @ts-expect-error a product's path needs its product_id
  await capsule.GET("/products/{product_id}");
  // @ts-expect-error adding to the cart needs a body
  await capsule.POST("/cart/items");
  // @ts-expect-error a quantity is a number
  await capsule.POST("/cart/items", { body: { product_id: "cap-ete", quantity: "2" } });
  // @ts-expect-error the hosted payment page answers HTML: not a call of this client
  await capsule.GET("/portal/sessions/{session_id}", { path: { session_id: "s" } });
  const cart = await capsule.GET("/cart");
  // @ts-expect-error reading the cart never answers email_taken
  if (cart.error?.code === "email_taken") return;
  const added = await capsule.POST("/cart/items", { body: { product_id: "cap-ete", quantity: 1 } });
  if (added.error?.code === "insufficient_stock") {
    const available: number[] = added.error.details.lines.map((l) => l.available);
    // @ts-expect-error `available` is a number
    const wrong: string[] = added.error.details.lines.map((l) => l.available);
    void [available, wrong];
  }
  if (added.error?.code === "invalid_request") {
    const field: string = added.error.details.field;
    void field;
  }
}
