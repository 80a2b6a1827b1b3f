// The cart, a guest's (in this browser) or the account's (the API's), and the header that
// counts it.
import { CapsuleError, type Schema } from "@capsule/client";

import { call, capsule, explain, isShopError, session, type Problem, type User } from "./api.js";
import { adoptAccount, lang, t } from "./i18n.js";

const GUEST_CART_KEY = "capsule.guest-cart";

export type Cart = Schema<"Cart">;
export type Product = Schema<"Product">;

/** A line of a guest's cart, priced as the catalogue showed it. */
export interface GuestLine {
  product_id: string;
  name: string;
  quantity: number;
  unit_price_cents: number;
  unit_effective_price_cents: number;
}

export const guestCart = {
  lines(): GuestLine[] {
    try {
      return (JSON.parse(localStorage.getItem(GUEST_CART_KEY) ?? "null") as GuestLine[] | null) ?? [];
    } catch {
      return [];
    }
  },
  save(lines: GuestLine[]): void {
    localStorage.setItem(GUEST_CART_KEY, JSON.stringify(lines));
  },
  add(product: Product, quantity: number): void {
    const lines = this.lines();
    const line = lines.find((l) => l.product_id === product.product_id);
    const wanted = (line ? line.quantity : 0) + quantity;
    if (wanted > product.stock) {
      const lines = [{ product_id: product.product_id, requested: wanted, available: product.stock }];
      const shortage = { code: "insufficient_stock", message: "", details: { lines } } as const;
      throw new CapsuleError<Problem>(shortage, 409);
    }
    if (line) line.quantity = wanted;
    else {
      lines.push({
        product_id: product.product_id,
        name: product.name,
        quantity,
        unit_price_cents: product.price_cents,
        unit_effective_price_cents: product.effective_price_cents,
      });
    }
    this.save(lines);
  },
};

let cartCount = 0;

/** The account's cart (`null` for a guest), the header's count brought up to date. */
export async function loadCart(): Promise<Cart | null> {
  if (!session.token) {
    cartCount = guestCart.lines().reduce((n, l) => n + l.quantity, 0);
    renderHeader();
    return null;
  }
  return setCart(await call(capsule.GET("/cart")));
}

export function setCart(cart: Cart): Cart {
  cartCount = cart.total_quantity;
  renderHeader();
  return cart;
}

export function forgetCart(): void {
  cartCount = 0;
}

// Signing in brings the account's unpaid cart back; what was put in the cart before
// signing in is added to it, line by line, as the API adds to a line.
export async function signedIn(token: string, user: User, cart: Cart | null): Promise<string[]> {
  session.save(token, user);
  adoptAccount(user.locale);
  let merged = cart;
  const problems: string[] = [];
  for (const line of guestCart.lines()) {
    try {
      merged = await call(capsule.POST("/cart/items", { body: { product_id: line.product_id, quantity: line.quantity } }));
    } catch (error) {
      if (!isShopError(error)) throw error;
      problems.push(`${line.name}: ${explain(error.error)}`);
    }
  }
  guestCart.save([]);
  setCart(merged ?? (await call(capsule.GET("/cart"))));
  return problems;
}

export function renderHeader(): void {
  const count = document.getElementById("cart-count");
  if (count) {
    count.textContent = String(cartCount);
    count.setAttribute("aria-label", t("{n} items in cart", { n: cartCount }));
  }
  const account = document.getElementById("account-link");
  if (account) account.textContent = session.user ? t("Account") : t("Sign in");
  for (const button of document.querySelectorAll<HTMLElement>("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
  const current = (window.location.hash.split("/")[1] || "shop").split("?")[0] || "shop";
  for (const link of document.querySelectorAll<HTMLElement>("[data-nav]")) {
    const active = link.dataset.nav === current || (current === "order" && link.dataset.nav === "orders");
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}
