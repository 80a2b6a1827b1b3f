// The shop's API, through the typed client of clients/typescript: the signed-in session,
// calls that throw what went wrong, and what each error code means to a buyer.
import { CapsuleError, type Answered, type ErrorOf, type Failed, type operations } from "@capsule/client";
import { connect, tabSession } from "./connection.js";
import { lang, t } from "./i18n.js";

export type { User } from "./connection.js";

/** Sent on `window` when the session ends (signed out, or the token refused). */
export const SIGNED_OUT = "capsule:signed-out";

export const session = tabSession("capsule", () => window.dispatchEvent(new Event(SIGNED_OUT)));

export const capsule = connect(session);

/** Every error the contract declares, on any operation. */
type ApiProblem = { [K in keyof operations]: ErrorOf<operations[K]> }[keyof operations];
/** What the page itself finds wrong, said the same way. */
interface PageProblem {
  code: "network" | "invalid_request" | "script";
  message: string;
  details?: undefined;
}
export type Problem = ApiProblem | PageProblem;
export type ShopError = CapsuleError<Problem>;

export function problem(code: PageProblem["code"], message: string, status = 400): ShopError {
  return new CapsuleError<Problem>({ code, message }, status);
}

// Every CapsuleError the page sees was thrown by `call` or built by the page: a Problem.
export const isShopError = (error: unknown): error is ShopError => error instanceof CapsuleError;

/** The answer's data; else throws a ShopError (a refused token also ends the session). */
export async function call<Data, E extends Problem>(pending: Promise<Answered<Data> | Failed<E>>): Promise<Data> {
  let answer: Answered<Data> | Failed<E>;
  try {
    answer = await pending;
  } catch {
    throw problem("network", t("The shop's API cannot be reached. Check your connection and try again."), 0);
  }
  if (answer.ok) return answer.data;
  if (answer.status === 401 && session.token) session.clear();
  throw new CapsuleError<Problem>(answer.error, answer.status, answer.retryAfter);
}

// What each error code of the contract means to a buyer.
export function explain(error: Problem): string {
  switch (error.code) {
    case "insufficient_stock": {
      const [line, ...others] = error.details.lines;
      if (line && others.length === 0) {
        return line.available === 0 ? t("This cap is sold out.") : t("Only {n} left in stock.", { n: line.available });
      }
      const lines = error.details.lines.map((l) => t("{product} ({available} left, you asked {requested})", { product: l.product_id, available: l.available, requested: l.requested }));
      return t("Not enough stock: {lines}.", { lines: lines.join(", ") });
    }
    case "sale_limit_exceeded":
      return t("Sale limit: at most {limit} of this cap per customer during the sale (you already have {already}).", { limit: error.details.limit, already: error.details.already });
    case "promo_code_not_found":
      return t("This promo code is unknown, expired, used up, or your own.");
    case "empty_cart":
      return t("Your cart is empty.");
    case "checkout_in_progress":
      return t("A checkout of this cart is awaiting payment: pay it or cancel it in your orders first.");
    case "email_taken":
      return t("An account already uses this email: sign in instead.");
    case "invalid_credentials":
      return t("Wrong email or password.");
    case "too_many_attempts":
      return t("Too many failed sign-ins for this email: try again in 15 minutes.");
    case "payment_method_not_found":
      return t("This saved payment method no longer exists.");
    case "payment_method_expired":
      return t("This card has expired: choose another method.");
    case "payment_method_in_use":
      return t("A subscription is charged to this method: give it another method first.");
    case "cancellation_window_elapsed":
      return t("This order can no longer be cancelled: the cancellation window has passed.");
    case "not_cancellable":
      return t("This order cannot be cancelled.");
    case "already_subscribed":
      return t("You already have this plan.");
    case "cart_too_large":
      return t("Your cart is too large for one order ({lines} products): split it in several orders.", { lines: error.details.lines });
    case "payment_unavailable":
      return t("The payment provider does not answer: your order is placed; check your orders in a moment.");
    case "service_unavailable":
      return t("The shop is busy: try again in a moment.");
    case "invalid_return_url":
      return t("The shop's return address is not accepted by the API (is this origin allowed?).");
    case "unauthorized":
      return t("Please sign in again.");
    case "invalid_request":
      return fieldProblem(error.details?.field) ?? (lang() === "en" && error.message ? error.message : t("A field of the form is not valid: check it and try again."));
    case "unexpected_answer":
      return error.details.status === 401 ? t("Please sign in again.") : error.message || t("Something went wrong.");
    default:
      return error.message || t("Something went wrong.");
  }
}

/** What a field the API refused (`details.field`, a JSON pointer) needs, in the buyer's
 *  language: the API's own message is English, written for developers. */
function fieldProblem(field: string | undefined): string | undefined {
  switch (field) {
    case "/email":
      return t("Enter a valid email address.");
    case "/password":
      return t("Choose a password of 8 to 128 characters.");
    case "/name":
      return t("Enter your name (100 characters at most).");
    case "/quantity":
      return t("Choose a quantity of at least 1.");
    case "/code":
      return t("Enter a promo code: 3 to 32 letters, digits, - or _.");
    case "/delivery/address/name":
      return t("Enter the recipient's name.");
    case "/delivery/address/line1":
      return t("Enter the street and number.");
    case "/delivery/address/line2":
      return t("This address line is too long.");
    case "/delivery/address/postal_code":
      return t("Enter a valid postal code.");
    case "/delivery/address/city":
      return t("Enter the city.");
    case "/delivery/address/country":
      return t("Enter the country as two letters, such as FR.");
    case "/gift/message":
      return t("The gift message is too long (500 characters at most).");
    default:
      return undefined;
  }
}

