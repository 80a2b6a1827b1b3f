// A typed client of Capsule's HTTP API: each call's path, parameters, body, answer and
// error codes come from `schema.ts`, generated from `openapi.yaml` (never edited by hand).
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** A schema of the contract by name: `Schema<"Cart">`, `Schema<"CheckoutRequest">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

export type Method = "get" | "put" | "post" | "delete" | "patch";

/** The paths whose `method` answers JSON (the hosted payment page's HTML ones are left out). */
export type PathOf<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: infer R } ? ([HtmlAnswers<R>] extends [never] ? P : never) : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = paths[P][M];
type Success = 200 | 201 | 202 | 204;
type JsonOf<R> = R extends { content: { "application/json": infer J } } ? J : R extends { content?: never } ? undefined : never;
type HtmlAnswers<R> = { [S in keyof R]: R[S] extends { content: { "text/html": unknown } } ? S : never }[keyof R];
type AnswersOf<Op> = Op extends { responses: infer R } ? R : never;

/** The answer's body on success (a 2xx). */
export type DataOf<Op> = { [S in keyof AnswersOf<Op>]: S extends Success ? JsonOf<AnswersOf<Op>[S]> : never }[keyof AnswersOf<Op>];
/** The `error` of every error answer the contract declares for the operation: switch on its `code`. */
export type ErrorOf<Op> =
  | { [S in keyof AnswersOf<Op>]: S extends Success ? never : ErrorIn<JsonOf<AnswersOf<Op>[S]>> }[keyof AnswersOf<Op>]
  | UnexpectedAnswer;
type ErrorIn<Body> = Body extends { error: infer E extends ErrorBody } ? E : never;

/**
 * An answer the contract does not describe: on AWS, API Gateway's own throttling (429
 * `{"message": "Too Many Requests"}`), a proxy's 502, a body that is not JSON.
 */
export interface UnexpectedAnswer {
  code: "unexpected_answer";
  message: string;
  details: { status: number; body: string };
}

type BodyOf<Op> = Op extends { requestBody?: infer R } ? (R extends { content: { "application/json": infer B } } ? B : never) : never;
type Parameter<Op, Where extends "path" | "query" | "header"> = Op extends { parameters: infer Ps }
  ? Where extends keyof Ps
    ? Ps[Where]
    : undefined
  : undefined;
// A part of the request: required when the contract requires it, absent when it has none.
// (`[T] extends [never] | [undefined]` would be decided too early, for every T.)
type Part<Key extends string, T, Required extends boolean> = [T] extends [never]
  ? { [K in Key]?: never }
  : [T] extends [undefined]
    ? { [K in Key]?: never }
    : Required extends true
      ? { [K in Key]: T }
      : { [K in Key]?: T };
type ParameterPart<Op, Where extends "path" | "query" | "header"> = Part<
  Where,
  Exclude<Parameter<Op, Where>, undefined>,
  undefined extends Parameter<Op, Where> ? false : true
>;

/** What a call takes besides its path: path and query parameters, the JSON body. */
export type RequestOf<Op> = ParameterPart<Op, "path"> &
  ParameterPart<Op, "query"> &
  ParameterPart<Op, "header"> &
  Part<"body", BodyOf<Op>, Op extends { requestBody: unknown } ? true : false> & { signal?: AbortSignal };

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Args<Op> = [RequiredKeys<RequestOf<Op>>] extends [never] ? [request?: RequestOf<Op>] : [request: RequestOf<Op>];

/** A call's outcome: `ok` and `data` on success, else `error` typed by the codes its operation declares. */
export type Answer<Op> = Answered<DataOf<Op>> | Failed<ErrorOf<Op>>;

export interface Answered<Data> {
  ok: true;
  data: Data;
  error?: undefined;
  status: number;
  response: Response;
}

export interface Failed<E extends ErrorBody> {
  ok: false;
  data?: undefined;
  error: E;
  status: number;
  /** Seconds to wait before trying again (`Retry-After`: with a 503, or a throttling 429). */
  retryAfter: number | null;
  response: Response;
}

/** What every error has: the contract's `{"error": {code, message, details}}` gives it. */
export interface ErrorBody {
  code: string;
  message: string;
}

type Call<M extends Method> = <P extends PathOf<M>>(
  path: P,
  ...request: Args<Operation<P, M>>
) => Promise<Answer<Operation<P, M>>>;

export interface Client {
  GET: Call<"get">;
  POST: Call<"post">;
  PUT: Call<"put">;
  DELETE: Call<"delete">;
  PATCH: Call<"patch">;
}

export interface ClientOptions {
  /** The API's origin, e.g. `http://127.0.0.1:3000`; `""` is the page's own origin. */
  baseUrl: string;
  /** The bearer token from `/auth/signup` or `/auth/login`, read at each call. */
  token?: () => string | null | undefined;
  /** `fetch` itself unless given (a test's, or a server-side one). */
  fetch?: typeof fetch;
}

export function createClient(options: ClientOptions): Client {
  const call =
    (method: Method) =>
    (path: string, request: Parts = {}): Promise<Answered<unknown> | Failed<ErrorBody>> =>
      send(options, method, path, request);
  // Each `Call` is the one untyped `send`, given its types by the path it is called with.
  return {
    GET: call("get") as Call<"get">,
    POST: call("post") as Call<"post">,
    PUT: call("put") as Call<"put">,
    DELETE: call("delete") as Call<"delete">,
    PATCH: call("patch") as Call<"patch">,
  };
}

/** A call's parts, untyped: the types were checked where the call is written. */
interface Parts {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  header?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
}

async function send(options: ClientOptions, method: Method, path: string, request: Parts): Promise<Answered<unknown> | Failed<ErrorBody>> {
  const headers: Record<string, string> = { accept: "application/json", ...request.header };
  const token = options.token?.();
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (request.body !== undefined) init.body = JSON.stringify(request.body);
  if (request.signal) init.signal = request.signal;
  const response = await (options.fetch ?? fetch)(url(options.baseUrl, path, request), init);
  const text = await response.text();
  const json = parse(text);
  if (response.ok) return { ok: true, data: json, status: response.status, response };
  const error: ErrorBody = isContractError(json)
    ? json.error
    : { code: "unexpected_answer", message: response.statusText || `HTTP ${response.status}`, details: { status: response.status, body: text } };
  return { ok: false, error, status: response.status, retryAfter: retryAfter(response.headers.get("retry-after")), response };
}

function url(baseUrl: string, path: string, request: Parts): string {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = request.path?.[name];
    if (value === undefined) throw new TypeError(`${path} needs its path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) query.set(name, String(value));
  }
  const search = query.toString();
  return `${baseUrl.replace(/\/$/, "")}${filled}${search ? `?${search}` : ""}`;
}

function parse(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isContractError(json: unknown): json is { error: { code: string; message: string; details: object } } {
  if (typeof json !== "object" || json === null || !("error" in json)) return false;
  const error = json.error;
  if (typeof error !== "object" || error === null || !("code" in error) || !("message" in error)) return false;
  return typeof error.code === "string" && typeof error.message === "string";
}

/** `Retry-After` in seconds: a number of seconds, or an HTTP date. */
export function retryAfter(header: string | null, now: Date = new Date()): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** A failed call as an exception, for code that throws (a React Query `queryFn`, a form action). */
export class CapsuleError<E extends ErrorBody = ErrorBody> extends Error {
  readonly error: E;
  readonly code: E["code"];
  readonly status: number;
  readonly retryAfter: number | null;

  constructor(error: E, status: number, retryAfter: number | null = null) {
    super(error.message);
    this.name = "CapsuleError";
    this.error = error;
    this.code = error.code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** The answer's data, or a `CapsuleError` thrown with its typed error. */
export function unwrap<Data, E extends ErrorBody>(answer: Answered<Data> | Failed<E>): Data {
  if (!answer.ok) throw new CapsuleError(answer.error, answer.status, answer.retryAfter);
  return answer.data;
}
