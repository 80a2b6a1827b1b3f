// Products: the whole catalogue, archived ones included; create, edit (with an image by
// URL), archive and put back.
import type { Schema } from "@capsule/client";
import { call, capsule } from "../api.js";
import { badge, cents, fail, field, form, goSaying, h, input, money, more, show, table, whole } from "../ui.js";

type Product = Schema<"AdminProduct">;
const HEADINGS = ["Product", "Price", "Stock", "State", "Change"];

export async function viewProducts(): Promise<void> {
  const page = await call(capsule.GET("/admin/products", { query: { limit: 50 } }));
  const list = table("Every product, newest first", HEADINGS, page.items.map(productRow), { id: "products" });
  const next = more(list.tBodies[0] ?? list, HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/products", { query: { limit: 50, cursor } })), productRow);
  show("Products", h("details", { class: "card" }, h("summary", { id: "open-new-product" }, "New product"), productForm(null)), list, next);
}

function productRow(product: Product): HTMLTableRowElement {
  const archived = product.archived === true;
  const toggle = h("button", { type: "button", class: "secondary", "data-archive": product.product_id }, archived ? "Put back" : "Archive");
  toggle.addEventListener("click", () => void toggleArchive(toggle, product));
  return h(
    "tr",
    { "data-product-id": product.product_id, "data-archived": String(archived) },
    h("td", {}, product.image_url ? h("img", { src: product.image_url, alt: "", class: "thumb" }) : null, product.name, h("br"), h("small", { class: "muted" }, product.product_id)),
    h("td", { class: "num" }, money(product.price_cents), product.discount ? h("small", { class: "muted" }, ` (${money(product.effective_price_cents)} now)`) : null),
    h("td", { class: "num" }, String(product.stock), product.low_stock ? h("small", { class: "bad" }, " low") : null),
    h("td", {}, badge(archived ? "archived" : "listed")),
    h("td", {}, h("details", {}, h("summary", {}, `Edit ${product.name}`), productForm(product)), toggle),
  );
}

async function toggleArchive(button: HTMLButtonElement, product: Product): Promise<void> {
  button.disabled = true;
  try {
    const path = { product_id: product.product_id };
    if (product.archived) await call(capsule.POST("/admin/products/{product_id}/unarchive", { path }));
    else await call(capsule.POST("/admin/products/{product_id}/archive", { path }));
    goSaying("#/products", product.archived ? `${product.name} is back in the catalogue.` : `${product.name} is archived.`);
  } catch (error) {
    button.disabled = false;
    fail(error);
  }
}

/** The form creating a product (`product` null) or changing one: only what changed is sent. */
function productForm(product: Product | null): HTMLFormElement {
  const id = product ? `p-${product.product_id}` : "new-product";
  const name = input(`${id}-name`, { value: product?.name ?? "", maxlength: 100, required: true });
  const description = h("textarea", { id: `${id}-description`, name: "description", maxlength: 2000, rows: 3 }, product?.description ?? "");
  const price = input(`${id}-price`, { inputmode: "decimal", value: product ? (product.price_cents / 100).toFixed(2) : "", required: true });
  const stock = input(`${id}-stock`, { type: "number", min: 0, inputmode: "numeric", value: product?.stock ?? "", required: true });
  const image = input(`${id}-image`, { type: "url", value: product?.image_url ?? "", placeholder: "https://…" });
  const discount = input(`${id}-discount`, { type: "checkbox", checked: product ? undefined : false });
  discount.checked = product?.discount?.kind === "product";
  return form(
    { id, class: "product-form" },
    product ? "Save" : "Create the product",
    async () => {
      const values = {
        name: name.value.trim(),
        description: description.value,
        price_cents: cents(price.value, "/price_cents", "Price"),
        stock: whole(stock.value, "/stock", "Stock"),
        product_discount: discount.checked,
        ...(image.value.trim() ? { image_url: image.value.trim() } : {}),
      };
      if (product) {
        const changed = Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== current(product)[key]));
        await call(capsule.PATCH("/admin/products/{product_id}", { path: { product_id: product.product_id }, body: changed as Schema<"ProductPatchRequest"> }));
        goSaying("#/products", `${values.name} saved.`);
      } else {
        const created = await call(capsule.POST("/admin/products", { body: values }));
        goSaying("#/products", `${created.name} created (${created.product_id}).`);
      }
    },
    field("Name", name, "/name"),
    field("Description", description, "/description"),
    field("Price (euros)", price, "/price_cents"),
    field("Stock", stock, "/stock", product ? "The new available stock." : undefined),
    field("Image URL", image, "/image_url", "An https address; shown in the catalogue."),
    h("div", { class: "choice" }, discount, h("label", { for: discount.id }, "5% product discount when no sale applies")),
  );
}

/** A product's editable values as the form sends them, to send only what changed. */
function current(product: Product): Record<string, unknown> {
  return {
    name: product.name,
    description: product.description,
    price_cents: product.price_cents,
    stock: product.stock,
    product_discount: product.discount?.kind === "product",
    image_url: product.image_url ?? undefined,
  };
}
