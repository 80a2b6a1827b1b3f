// Login, cart, checkout, as a React app would call them: type-checked by `make test`
// against the built package (the import is the one an app writes).
import { CapsuleError, createClient, unwrap, type Schema } from "@capsule/client";

let token: string | null = null;
const capsule = createClient({ baseUrl: "http://127.0.0.1:3000", token: () => token });

export async function buyOneCap(email: string, password: string): Promise<string> {
  // Every call answers `{data}` or `{error}`; `error.code` is one the operation declares.
  const login = await capsule.POST("/auth/login", { body: { email, password } });
  if (login.error) {
    switch (login.error.code) {
      case "invalid_credentials":
        return "Wrong email or password.";
      case "too_many_attempts":
        return "Too many attempts: try again later.";
      default:
        return login.error.message;
    }
  }
  token = login.data.token;
  const cart: Schema<"Cart"> = login.data.cart;
  console.log(`${login.data.user.name} has ${cart.total_quantity} caps in the cart`);

  const added = await capsule.POST("/cart/items", { body: { product_id: "cap-ete", quantity: 2 } });
  if (added.error?.code === "insufficient_stock") {
    // The details of this code, typed: every short line, with what is left of it.
    return added.error.details.lines.map((l) => `Only ${l.available} left of ${l.product_id}.`).join(" ");
  }

  const placed = await capsule.POST("/checkout", {
    body: {
      payment_method: "card",
      delivery: { mode: "pickup", pickup_point_id: "pp-bastille" },
      success_url: "http://localhost:5173/?return=success",
      cancel_url: "http://localhost:5173/?return=cancel",
    },
  });
  if (placed.error) {
    if (placed.error.code === "service_unavailable") return `Busy: try again in ${placed.retryAfter ?? 1} s.`;
    if (placed.error.code === "sale_limit_exceeded") return `At most ${placed.error.details.limit} per customer.`;
    return placed.error.message;
  }
  // Either the hosted payment page's address, or a saved method's outcome.
  return "redirect_url" in placed.data ? placed.data.redirect_url : placed.data.status;
}

// Code that throws (a React Query `queryFn`) unwraps: the data, or a `CapsuleError`.
export async function orders(): Promise<Schema<"Order">[]> {
  try {
    return unwrap(await capsule.GET("/orders", { query: { limit: 10 } })).items;
  } catch (error) {
    if (error instanceof CapsuleError && error.code === "unauthorized") token = null;
    throw error;
  }
}
