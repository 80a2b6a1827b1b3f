// The shop's API, through the typed client of clients/typescript: the signed-in session,
// calls that throw what went wrong, and what each error code means to a buyer.
import { CapsuleError, createClient, type Answered, type ErrorOf, type Failed, type operations, type Schema } from "@capsule/client";

declare global {
  interface Window {
    /** The API's origin, set by /storefront/config.js (empty: the origin serving the page). */
    CAPSULE_API?: string;
  }
}

const TOKEN_KEY = "capsule.token";
const USER_KEY = "capsule.user";

export type User = Schema<"User">;

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get user(): User | null {
    try {
      return JSON.parse(sessionStorage.getItem(USER_KEY) ?? "null") as User | null;
    } catch {
      return null;
    }
  },
  save(token: string, user: User): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    window.dispatchEvent(new Event(SIGNED_OUT));
  },
};

/** Sent on `window` when the session ends (signed out, or the token refused). */
export const SIGNED_OUT = "capsule:signed-out";

export const capsule = createClient({
  baseUrl: (window.CAPSULE_API || window.location.origin).replace(/\/$/, ""),
  token: () => session.token,
});

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
    throw problem("network", "The shop's API cannot be reached. Check your connection and try again.", 0);
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
        return line.available === 0 ? "This cap is sold out." : `Only ${line.available} left in stock.`;
      }
      const lines = error.details.lines.map((l) => `${l.product_id} (${l.available} left, you asked ${l.requested})`);
      return `Not enough stock: ${lines.join(", ")}.`;
    }
    case "sale_limit_exceeded":
      return `Sale limit: at most ${error.details.limit} of this cap per customer during the sale (you already have ${error.details.already}).`;
    case "promo_code_not_found":
      return "This promo code is unknown, expired, used up, or your own.";
    case "empty_cart":
      return "Your cart is empty.";
    case "checkout_in_progress":
      return "A checkout of this cart is awaiting payment: pay it or cancel it in your orders first.";
    case "email_taken":
      return "An account already uses this email: sign in instead.";
    case "invalid_credentials":
      return "Wrong email or password.";
    case "too_many_attempts":
      return "Too many failed sign-ins for this email: try again in 15 minutes.";
    case "payment_method_not_found":
      return "This saved payment method no longer exists.";
    case "payment_method_expired":
      return "This card has expired: choose another method.";
    case "payment_method_in_use":
      return "A subscription is charged to this method: give it another method first.";
    case "cancellation_window_elapsed":
      return "This order can no longer be cancelled: the cancellation window has passed.";
    case "not_cancellable":
      return "This order cannot be cancelled.";
    case "already_subscribed":
      return "You already have this plan.";
    case "cart_too_large":
      return `Your cart is too large for one order (${error.details.lines} products): split it in several orders.`;
    case "payment_unavailable":
      return "The payment provider does not answer: your order is placed; check your orders in a moment.";
    case "service_unavailable":
      return "The shop is busy: try again in a moment.";
    case "invalid_return_url":
      return "The shop's return address is not accepted by the API (is this origin allowed?).";
    case "unauthorized":
      return "Please sign in again.";
    case "unexpected_answer":
      return error.details.status === 401 ? "Please sign in again." : error.message || "Something went wrong.";
    default:
      return error.message || "Something went wrong.";
  }
}
