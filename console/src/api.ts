// The admin API, through the typed client of clients/typescript: the operator's session,
// calls that throw what went wrong, and what each refusal means to an operator.
import { CapsuleError, type Answered, type ErrorBody, type Failed } from "@capsule/client";
import { connect, tabSession } from "../../storefront/src/connection.js";
import { money } from "./money.js";

export type { User } from "../../storefront/src/connection.js";

export const session = tabSession("capsule.console");

export const capsule = connect(session);

/** A refusal, the API's or the page's own: `details.field` names the input when there is one. */
export interface Problem extends ErrorBody {
  details?: unknown;
}
export type ConsoleError = CapsuleError<Problem>;

export function problem(message: string, field?: string): ConsoleError {
  return new CapsuleError<Problem>({ code: "invalid_request", message, details: field === undefined ? undefined : { field, message } }, 400);
}

export const isConsoleError = (error: unknown): error is ConsoleError => error instanceof CapsuleError;

/** The answer's data; else throws a ConsoleError (a refused token also ends the session). */
export async function call<Data, E extends ErrorBody>(pending: Promise<Answered<Data> | Failed<E>>): Promise<Data> {
  let answer: Answered<Data> | Failed<E>;
  try {
    answer = await pending;
  } catch {
    throw new CapsuleError<Problem>({ code: "network", message: "The API cannot be reached. Check the connection and try again." }, 0);
  }
  if (answer.ok) return answer.data;
  if (answer.status === 401) session.clear();
  throw new CapsuleError<Problem>(answer.error, answer.status, answer.retryAfter);
}

/** The JSON pointer of the refused input, when the refusal names one. */
export function fieldOf(error: Problem): string | undefined {
  const details = error.details;
  if (typeof details !== "object" || details === null || !("field" in details)) return undefined;
  return typeof details.field === "string" ? details.field : undefined;
}

/** What a refusal means to an operator: the API's own words, with what it leaves to do. */
export function explain(error: Problem, status: number): string {
  if (status === 401) return "Please sign in again.";
  if (status === 403) return "This account is not an operator's: sign in with an admin account.";
  const details = error.details;
  if (error.code === "refund_exceeds_paid" && typeof details === "object" && details !== null && "refundable_cents" in details) {
    return `${error.message} (${money(Number(details.refundable_cents))} is left to refund)`;
  }
  if (error.code === "product_in_open_carts" && typeof details === "object" && details !== null && "carts" in details) {
    return `${error.message} (carts holding it now: ${String(details.carts)})`;
  }
  if (error.code === "service_unavailable") return "The API is busy: try again in a moment.";
  return error.message || "Something went wrong.";
}
