// The client against a fake `fetch`: what it sends, and what a caller gets back.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CapsuleError, createClient, retryAfter, unwrap } from "../src/index.js";

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A client whose `fetch` records each request and answers `status` with `body`. */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const sent: Sent[] = [];
  const fake: typeof fetch = async (input, init) => {
    sent.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === "string" ? init.body : undefined,
    });
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { "content-type": "application/json", ...headers } });
  };
  let token: string | null = "tok-1";
  const client = createClient({ baseUrl: "http://api.test/", token: () => token, fetch: fake });
  return { client, sent, signOut: () => (token = null) };
}

test("a call sends the bearer token, its path parameters encoded, its query and its JSON body", async () => {
  const { client, sent } = answering(200, { items: [], next_cursor: null });
  await client.GET("/orders", { query: { limit: 5, cursor: undefined } });
  await client.PUT("/cart/items/{product_id}", { path: { product_id: "cap été/1" }, body: { quantity: 3 } });
  assert.equal(sent[0]?.url, "http://api.test/orders?limit=5");
  assert.equal(sent[0]?.headers.authorization, "Bearer tok-1");
  assert.equal(sent[0]?.body, undefined);
  assert.equal(sent[1]?.url, "http://api.test/cart/items/cap%20%C3%A9t%C3%A9%2F1");
  assert.equal(sent[1]?.method, "PUT");
  assert.equal(sent[1]?.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(sent[1]?.body ?? ""), { quantity: 3 });
});

test("without a token no Authorization header is sent", async () => {
  const { client, sent, signOut } = answering(200, { items: [] });
  signOut();
  await client.GET("/pickup-points");
  assert.equal(sent[0]?.headers.authorization, undefined);
});

test("a contract error comes back typed by its code, with its details", async () => {
  const details = { lines: [{ product_id: "cap-ete", requested: 2, available: 1 }] };
  const { client } = answering(409, { error: { code: "insufficient_stock", message: "not enough stock", details } });
  const answer = await client.POST("/cart/items", { body: { product_id: "cap-ete", quantity: 2 } });
  assert.equal(answer.data, undefined);
  assert.equal(answer.status, 409);
  if (answer.error?.code !== "insufficient_stock") return assert.fail(`expected insufficient_stock: ${answer.error?.code}`);
  assert.deepEqual(answer.error.details.lines.map((l) => l.available), [1]);
});

test("a 503 says when to try again", async () => {
  const { client } = answering(
    503,
    { error: { code: "service_unavailable", message: "try again shortly", details: {} } },
    { "retry-after": "1" },
  );
  const answer = await client.GET("/cart");
  assert.equal(answer.error?.code, "service_unavailable");
  assert.equal(answer.error ? answer.retryAfter : "no error", 1);
  const thrown: unknown = await client.GET("/cart").then(unwrap).catch((e: unknown) => e);
  assert.ok(thrown instanceof CapsuleError);
  assert.equal(thrown.code, "service_unavailable");
  assert.equal(thrown.retryAfter, 1);
});

test("an answer outside the contract (API Gateway's own throttling) is `unexpected_answer`", async () => {
  const { client } = answering(429, { message: "Too Many Requests" }, { "retry-after": "2" });
  const answer = await client.POST("/auth/login", { body: { email: "a@example.com", password: "password-123" } });
  assert.equal(answer.error?.code, "unexpected_answer");
  assert.equal(answer.status, 429);
  assert.equal(answer.error ? answer.retryAfter : "no error", 2);
});

test("an answer without a body is `undefined` data", async () => {
  const { client } = answering(204, "");
  const answer = await client.DELETE("/payment-methods/{payment_method_id}", { path: { payment_method_id: "pm_1" } });
  assert.equal(answer.error, undefined);
  assert.equal(answer.data, undefined);
});

test("Retry-After is read as seconds or as an HTTP date", () => {
  const now = new Date("2027-01-01T00:00:00Z");
  assert.equal(retryAfter("3", now), 3);
  assert.equal(retryAfter("Fri, 01 Jan 2027 00:00:10 GMT", now), 10);
  assert.equal(retryAfter("Thu, 31 Dec 2026 23:00:00 GMT", now), 0);
  assert.equal(retryAfter("soon", now), null);
  assert.equal(retryAfter(null, now), null);
});
