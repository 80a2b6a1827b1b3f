// The catalogue: search, a page of caps at a time, each added to the cart from its card.
import type { Schema } from "@capsule/client";

import { call, capsule, problem, session } from "../api.js";
import { guestCart, loadCart, setCart, type Product } from "../cart.js";
import { go, h, money, show } from "../dom.js";
import { t } from "../i18n.js";
import { act, actionForm, say } from "../status.js";

function priceTag(price: number, effective: number, discount: Schema<"UnitDiscount"> | null): HTMLParagraphElement {
  const tag = h("p", { class: "price" });
  if (discount || effective < price) {
    tag.append(h("del", {}, h("span", { class: "visually-hidden" }, t("was ")), money(price)), " ");
  }
  tag.append(h("strong", {}, money(effective)));
  if (discount) {
    const label = discount.kind === "sale" ? t("Sale −{percent}%", { percent: discount.percent }) : `−${discount.percent}%`;
    tag.append(" ", h("span", { class: `tag ${discount.kind}` }, label));
  }
  return tag;
}

function stockNote(product: Product): HTMLParagraphElement {
  if (product.stock <= 0) return h("p", { class: "stock out" }, t("Sold out"));
  if (product.low_stock) return h("p", { class: "stock low" }, t("Only {n} left", { n: product.stock }));
  return h("p", { class: "stock" }, t("{n} in stock", { n: product.stock }));
}

function productCard(product: Product): HTMLLIElement {
  const quantity = h("input", {
    type: "number",
    min: "1",
    max: String(Math.max(1, product.stock)),
    value: "1",
    inputmode: "numeric",
    id: `qty-${product.product_id}`,
  });
  const add = h("button", { type: "submit", disabled: product.stock <= 0 }, t("Add to cart"));
  const form = actionForm(
    { class: "add" },
    add,
    async () => {
      const n = Number.parseInt(quantity.value, 10);
      if (!Number.isInteger(n) || n < 1) throw problem("invalid_request", t("Choose a quantity of at least 1."));
      if (session.token) setCart(await call(capsule.POST("/cart/items", { body: { product_id: product.product_id, quantity: n } })));
      else {
        guestCart.add(product, n);
        await loadCart();
      }
      say(t("{n} × {name} added to your cart.", { n, name: product.name }));
    },
    h("label", { for: quantity.id }, t("Quantity")),
    quantity,
    add,
  );
  return h(
    "li",
    { class: "product", "data-product-id": product.product_id },
    h(
      "article",
      { "aria-labelledby": `name-${product.product_id}` },
      product.image_url ? h("img", { class: "picture", src: product.image_url, alt: product.name, loading: "lazy" }) : null,
      h("h2", { id: `name-${product.product_id}` }, product.name),
      h("p", { class: "description" }, product.description),
      priceTag(product.price_cents, product.effective_price_cents, product.discount),
      stockNote(product),
      form,
    ),
  );
}

export async function viewShop(params: URLSearchParams): Promise<void> {
  const q = params.get("q") || "";
  const search = h("input", { type: "search", name: "q", id: "search", value: q, maxlength: "100", autocomplete: "off" });
  const onsubmit = (event: Event): void => {
    event.preventDefault();
    const value = search.value.trim();
    go(value ? `#/?q=${encodeURIComponent(value)}` : "#/");
  };
  const form = h(
    "form",
    { role: "search", class: "search", onsubmit },
    h("label", { for: "search" }, t("Search caps")),
    search,
    h("button", { type: "submit" }, t("Search")),
  );
  const list = h("ul", { class: "products", id: "products" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, t("More caps"));
  const summary = h("p", { id: "results", class: "muted" });
  show(q ? t("Caps matching “{q}”", { q }) : t("Our caps"), form, summary, list, more);
  let cursor: string | null = null;
  const page = async (): Promise<void> => {
    const query = { limit: 12, ...(q ? { q } : {}), ...(cursor ? { cursor } : {}) };
    const answer = await call(capsule.GET("/products", { query }));
    list.append(...answer.items.map(productCard));
    cursor = answer.next_cursor;
    more.hidden = !cursor;
    const shown = list.children.length;
    summary.textContent = shown === 0 ? t("No cap matches your search.") : t(shown > 1 ? "{n} caps shown." : "{n} cap shown.", { n: shown });
  };
  more.addEventListener("click", () => void act(more, page));
  await page();
}
