// Sales: every sale with where it stands; create one over chosen products, change its
// name, period or percent, end it now.
import type { Schema } from "@capsule/client";
import { call, capsule, problem } from "../api.js";
import { badge, fail, field, form, goSaying, h, input, instant, local, more, show, table, when, whole } from "../ui.js";

type Sale = Schema<"Sale">;
const HEADINGS = ["Sale", "Percent", "Period", "Products", "State", "Change"];

export async function viewSales(): Promise<void> {
  const [page, products] = await Promise.all([
    call(capsule.GET("/admin/sales", { query: { limit: 50 } })),
    call(capsule.GET("/admin/products", { query: { archived: false, limit: 100 } })),
  ]);
  const list = table("Every sale", HEADINGS, page.items.map(saleRow), { id: "sales" });
  const next = more(list.tBodies[0] ?? list, HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/sales", { query: { limit: 50, cursor } })), saleRow);
  show("Sales", h("details", { class: "card" }, h("summary", { id: "open-new-sale" }, "New sale"), newSaleForm(products.items)), list, next);
}

function stateOf(sale: Sale, now = Date.now()): string {
  if (Date.parse(sale.ends_at) <= now) return "over";
  return Date.parse(sale.starts_at) <= now ? "running" : "upcoming";
}

function saleRow(sale: Sale): HTMLTableRowElement {
  const state = stateOf(sale);
  const end = h("button", { type: "button", class: "secondary", "data-end": sale.sale_id, hidden: state === "over" }, "End now");
  end.addEventListener("click", () => {
    if (!window.confirm(`End ${sale.name} now? Its products go back to their usual price at once.`)) return;
    end.disabled = true;
    call(capsule.POST("/admin/sales/{sale_id}/end", { path: { sale_id: sale.sale_id } }))
      .then(() => goSaying("#/sales", `${sale.name} ended.`))
      .catch((error: unknown) => {
        end.disabled = false;
        fail(error);
      });
  });
  return h(
    "tr",
    { "data-sale-id": sale.sale_id, "data-state": state },
    h("td", {}, sale.name),
    h("td", { class: "num" }, `${sale.percent}%`),
    h("td", {}, `${when(sale.starts_at)} → ${when(sale.ends_at)}`),
    h("td", {}, sale.product_ids.join(", ")),
    h("td", {}, badge(state)),
    h("td", {}, state === "over" ? "" : h("details", {}, h("summary", {}, `Edit ${sale.name}`), editSaleForm(sale)), end),
  );
}

/** The fields of a sale's form; `id` prefixes their ids. */
function saleFields(id: string, sale: Sale | null) {
  return {
    name: input(`${id}-name`, { value: sale?.name ?? "", maxlength: 100, required: true }),
    percent: input(`${id}-percent`, { type: "number", min: 1, max: 100, inputmode: "numeric", value: sale?.percent ?? "", required: true }),
    starts: input(`${id}-starts`, { type: "datetime-local", value: sale ? local(sale.starts_at) : "", required: true }),
    ends: input(`${id}-ends`, { type: "datetime-local", value: sale ? local(sale.ends_at) : "", required: true }),
  };
}

function newSaleForm(products: Schema<"AdminProduct">[]): HTMLFormElement {
  const f = saleFields("sale", null);
  const boxes = products.map((p) => input(`sale-product-${p.product_id}`, { type: "checkbox", value: p.product_id, name: "product" }));
  const chooser = h(
    "fieldset",
    { class: "products-chooser", "data-field": "/product_ids", tabindex: "-1" },
    h("legend", {}, "Products on sale"),
    products.map((p, i) => h("div", { class: "choice" }, boxes[i], h("label", { for: `sale-product-${p.product_id}` }, p.name))),
  );
  return form(
    { id: "new-sale" },
    "Create the sale",
    async () => {
      const productIds = boxes.filter((b) => b.checked).map((b) => b.value);
      if (productIds.length === 0) throw problem("Choose at least one product.", "/product_ids");
      const body = {
        name: f.name.value.trim(),
        percent: whole(f.percent.value, "/percent", "Percent"),
        starts_at: instant(f.starts.value, "/starts_at", "Starts"),
        ends_at: instant(f.ends.value, "/ends_at", "Ends"),
        product_ids: productIds,
      };
      const sale = await call(capsule.POST("/admin/sales", { body }));
      goSaying("#/sales", `${sale.name} created.`);
    },
    field("Name", f.name, "/name"),
    field("Percent off", f.percent, "/percent"),
    field("Starts", f.starts, "/starts_at"),
    field("Ends", f.ends, "/ends_at"),
    chooser,
  );
}

function editSaleForm(sale: Sale): HTMLFormElement {
  const id = `s-${sale.sale_id}`;
  const f = saleFields(id, sale);
  return form(
    { id },
    "Save",
    async () => {
      const values = {
        name: f.name.value.trim(),
        percent: whole(f.percent.value, "/percent", "Percent"),
        starts_at: instant(f.starts.value, "/starts_at", "Starts"),
        ends_at: instant(f.ends.value, "/ends_at", "Ends"),
      };
      // Only what changed: an untouched period keeps its seconds.
      const before = { name: sale.name, percent: sale.percent, starts_at: instant(local(sale.starts_at), "", ""), ends_at: instant(local(sale.ends_at), "", "") };
      const body = Object.fromEntries(Object.entries(values).filter(([key, value]) => before[key as keyof typeof before] !== value)) as Schema<"SalePatchRequest">;
      await call(capsule.PATCH("/admin/sales/{sale_id}", { path: { sale_id: sale.sale_id }, body }));
      goSaying("#/sales", `${values.name} saved.`);
    },
    field("Name", f.name, "/name"),
    field("Percent off", f.percent, "/percent"),
    field("Starts", f.starts, "/starts_at"),
    field("Ends", f.ends, "/ends_at"),
  );
}
