// Built from console/src/ by `make console` (esbuild): edit the TypeScript, not this file.

// ../clients/typescript/src/index.ts
function createClient(options) {
  const call2 = (method) => (path, request = {}) => send(options, method, path, request);
  return {
    GET: call2("get"),
    POST: call2("post"),
    PUT: call2("put"),
    DELETE: call2("delete"),
    PATCH: call2("patch")
  };
}
async function send(options, method, path, request) {
  const headers = { accept: "application/json", ...request.header };
  const token = options.token?.();
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== void 0) headers["content-type"] = "application/json";
  const init = { method: method.toUpperCase(), headers };
  if (request.body !== void 0) init.body = JSON.stringify(request.body);
  if (request.signal) init.signal = request.signal;
  const response = await (options.fetch ?? fetch)(url(options.baseUrl, path, request), init);
  const text = await response.text();
  const json = parse(text);
  if (response.ok) return { ok: true, data: json, status: response.status, response };
  const error = isContractError(json) ? json.error : { code: "unexpected_answer", message: response.statusText || `HTTP ${response.status}`, details: { status: response.status, body: text } };
  return { ok: false, error, status: response.status, retryAfter: retryAfter(response.headers.get("retry-after")), response };
}
function url(baseUrl, path, request) {
  const filled = path.replace(/\{([^}]+)\}/g, (_, name) => {
    const value = request.path?.[name];
    if (value === void 0) throw new TypeError(`${path} needs its path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== void 0) query.set(name, String(value));
  }
  const search = query.toString();
  return `${baseUrl.replace(/\/$/, "")}${filled}${search ? `?${search}` : ""}`;
}
function parse(text) {
  if (!text) return void 0;
  try {
    return JSON.parse(text);
  } catch {
    return void 0;
  }
}
function isContractError(json) {
  if (typeof json !== "object" || json === null || !("error" in json)) return false;
  const error = json.error;
  if (typeof error !== "object" || error === null || !("code" in error) || !("message" in error)) return false;
  return typeof error.code === "string" && typeof error.message === "string";
}
function retryAfter(header, now = /* @__PURE__ */ new Date()) {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1e3));
}
var CapsuleError = class extends Error {
  error;
  code;
  status;
  retryAfter;
  constructor(error, status, retryAfter2 = null) {
    super(error.message);
    this.name = "CapsuleError";
    this.error = error;
    this.code = error.code;
    this.status = status;
    this.retryAfter = retryAfter2;
  }
};

// ../storefront/src/connection.ts
function tabSession(prefix, onClear = () => void 0) {
  const tokenKey = `${prefix}.token`;
  const userKey = `${prefix}.user`;
  return {
    get token() {
      return sessionStorage.getItem(tokenKey);
    },
    get user() {
      try {
        return JSON.parse(sessionStorage.getItem(userKey) ?? "null");
      } catch {
        return null;
      }
    },
    save(token, user) {
      sessionStorage.setItem(tokenKey, token);
      sessionStorage.setItem(userKey, JSON.stringify(user));
    },
    clear() {
      sessionStorage.removeItem(tokenKey);
      sessionStorage.removeItem(userKey);
      onClear();
    }
  };
}
function connect(session2) {
  return createClient({
    baseUrl: (window.CAPSULE_API || window.location.origin).replace(/\/$/, ""),
    token: () => session2.token
  });
}

// src/money.ts
function money(cents2) {
  const sign = cents2 < 0 ? "−" : "";
  const abs = Math.abs(cents2);
  return `${sign}€${Math.floor(abs / 100).toLocaleString("en-GB")}.${String(abs % 100).padStart(2, "0")}`;
}

// src/api.ts
var session = tabSession("capsule.console");
var capsule = connect(session);
function problem(message, field2) {
  return new CapsuleError({ code: "invalid_request", message, details: field2 === void 0 ? void 0 : { field: field2, message } }, 400);
}
var isConsoleError = (error) => error instanceof CapsuleError;
async function call(pending) {
  let answer;
  try {
    answer = await pending;
  } catch {
    throw new CapsuleError({ code: "network", message: "The API cannot be reached. Check the connection and try again." }, 0);
  }
  if (answer.ok) return answer.data;
  if (answer.status === 401) session.clear();
  throw new CapsuleError(answer.error, answer.status, answer.retryAfter);
}
function fieldOf(error) {
  const details = error.details;
  if (typeof details !== "object" || details === null || !("field" in details)) return void 0;
  return typeof details.field === "string" ? details.field : void 0;
}
function explain(error, status) {
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

// ../storefront/src/h.ts
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === void 0) continue;
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of flat(children)) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function flat(children) {
  return children.flatMap((child) => {
    if (child === null || child === void 0 || child === false) return [];
    return Array.isArray(child) ? flat(child) : [child];
  });
}

// src/ui.ts
function main() {
  const node = document.getElementById("main");
  if (!node) throw new Error("the page has no <main id=main>");
  return node;
}
function show(title, ...content) {
  const heading = h("h1", { tabindex: "-1" }, title);
  main().replaceChildren(heading, h("div", {}, ...content));
  document.title = `${title} — Capsule console`;
  heading.focus();
}
function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}
var carried = null;
function say(message, error = false, code = "") {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = message;
  status.classList.toggle("error", error);
  status.dataset.code = code;
}
function goSaying(hash, message, error = false) {
  carried = { message, error };
  go(hash);
}
function startView() {
  const said = carried ?? { message: "", error: false };
  carried = null;
  say(said.message, said.error);
}
function fail(error, scope = document) {
  if (!isConsoleError(error)) {
    console.error(error);
    say("Something went wrong in the page.", true, "script");
    return;
  }
  const message = explain(error.error, error.status);
  if (error.status === 401 || !session.token) {
    goSaying("#/signin", message, true);
    return;
  }
  say(message, true, error.code);
  markField(scope, error.error.code === "invalid_request" ? fieldOf(error.error) : void 0, message);
}
var unmark = () => void 0;
function markField(scope, pointer, message) {
  unmark();
  if (!pointer) return;
  const selector = `[data-field="${CSS.escape(pointer)}"]`;
  const input2 = scope.querySelector(selector) ?? document.querySelector(selector);
  if (!input2) return;
  const note = h("small", { class: "field-error", id: `${input2.id || "field"}-error` }, message);
  input2.after(note);
  const hint = input2.getAttribute("aria-describedby");
  input2.setAttribute("aria-invalid", "true");
  input2.setAttribute("aria-describedby", hint ? `${note.id} ${hint}` : note.id);
  const clear = () => {
    input2.removeAttribute("aria-invalid");
    if (hint) input2.setAttribute("aria-describedby", hint);
    else input2.removeAttribute("aria-describedby");
    note.remove();
    if (unmark === clear) unmark = () => void 0;
  };
  unmark = clear;
  input2.addEventListener("input", clear, { once: true });
  input2.focus();
}
async function act(control, action, scope = document) {
  if (control) control.disabled = true;
  try {
    return await action();
  } catch (error) {
    fail(error, scope);
    return void 0;
  } finally {
    if (control) control.disabled = false;
  }
}
function form(attrs, submit, action, ...children) {
  const button = h("button", { type: "submit", id: attrs.id ? `${attrs.id}-submit` : void 0 }, submit);
  const onsubmit = (event) => {
    event.preventDefault();
    void act(button, action, event.currentTarget);
  };
  return h("form", { ...attrs, onsubmit, novalidate: true }, ...children, h("div", { class: "actions" }, button));
}
function field(label, input2, pointer, hint) {
  if (pointer !== void 0) input2.dataset.field = pointer;
  const hintId = hint ? `${input2.id}-hint` : void 0;
  if (hintId) input2.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: input2.id }, label), input2, hint ? h("small", { id: hintId }, hint) : null);
}
var input = (id, attrs = {}) => h("input", { id, name: id, ...attrs });
function select(id, options, chosen = "") {
  return h("select", { id, name: id }, ...options.map(([value, label]) => h("option", { value, selected: value === chosen }, label)));
}
function table(caption, headings, rows, attrs = {}) {
  for (const row of rows) labelCells(row, headings);
  return h(
    "table",
    { class: "grid", ...attrs },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headings.map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, ...rows)
  );
}
function labelCells(row, headings) {
  [...row.cells].forEach((cell, i) => {
    cell.dataset.label = headings[i] ?? "";
  });
}
function more(body, headings, next, load, row) {
  const button = h("button", { type: "button", class: "secondary", hidden: next === null }, "More");
  let cursor = next;
  button.addEventListener(
    "click",
    () => void act(button, async () => {
      if (cursor === null) return;
      const page = await load(cursor);
      for (const item of page.items) {
        const tr = row(item);
        labelCells(tr, headings);
        body.append(tr);
      }
      cursor = page.next_cursor;
      button.hidden = cursor === null;
    })
  );
  return button;
}
function cents(text, pointer, label) {
  const match = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) throw problem(`${label}: write an amount in euros, like 12.50.`, pointer);
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}
function whole(text, pointer, label) {
  if (!/^\s*\d{1,9}\s*$/.test(text)) throw problem(`${label}: write a whole number.`, pointer);
  return Number(text);
}
var when = (iso) => iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "";
function instant(value, pointer, label) {
  const at = new Date(value);
  if (!value || Number.isNaN(at.getTime())) throw problem(`${label}: choose a date and time.`, pointer);
  return at.toISOString();
}
function local(iso) {
  const at = new Date(iso);
  const shifted = new Date(at.getTime() - at.getTimezoneOffset() * 6e4);
  return shifted.toISOString().slice(0, 16);
}
var badge = (state) => h("span", { class: `state ${state}` }, state.replace(/_/g, " "));

// src/views/dashboard.ts
var MAX_PAGES = 10;
async function viewDashboard() {
  const midnight = /* @__PURE__ */ new Date();
  midnight.setHours(0, 0, 0, 0);
  const [today, subscriptions, alerts] = await Promise.all([
    ordersSince(midnight.toISOString()),
    call(capsule.GET("/admin/subscriptions", { query: { limit: 1 } })),
    call(capsule.GET("/admin/stock-alerts", { query: { limit: 10 } }))
  ]);
  const paid = today.orders.filter((o) => o.paid_at !== null);
  const revenue = paid.reduce((sum, o) => sum + o.total_cents - (o.status === "cancelled" ? o.total_cents : o.refunded_cents ?? 0), 0);
  const figure = (id, label, value) => h("div", { class: "figure", id }, h("dt", {}, label), h("dd", {}, value));
  const more2 = today.complete ? "" : " or more";
  show(
    "Dashboard",
    h(
      "dl",
      { class: "figures" },
      figure("today-orders", "Orders today", `${today.orders.length}${more2}`),
      figure("today-paid", "Paid today", `${paid.length}${more2}`),
      figure("today-revenue", "Revenue today (less refunds)", money(revenue)),
      figure("mrr", "Monthly recurring revenue", money(subscriptions.mrr_cents))
    ),
    h("h2", {}, "Stock alerts"),
    alerts.items.length === 0 ? h("p", { class: "muted" }, "No stock alert was sent.") : table("The latest low-stock alerts", ["Product", "Stock then", "Stock now", "Alerted"], alerts.items.map(alertRow), { id: "stock-alerts" }),
    h("p", {}, h("a", { href: "#/orders" }, "Every order"), " · ", h("a", { href: "#/products" }, "Products"))
  );
}
async function ordersSince(from) {
  const orders = [];
  let cursor;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await call(capsule.GET("/admin/orders", { query: { from, limit: 100, cursor } }));
    orders.push(...answer.items);
    if (answer.next_cursor === null) return { orders, complete: true };
    cursor = answer.next_cursor;
  }
  return { orders, complete: false };
}
function alertRow(alert) {
  const low = alert.current_stock === null ? "gone" : String(alert.current_stock);
  return h("tr", { "data-product-id": alert.product_id }, h("td", {}, alert.name), h("td", { class: "num" }, String(alert.stock)), h("td", { class: "num" }, low), h("td", {}, when(alert.alerted_at)));
}

// src/views/orders.ts
var STATUSES = ["pending_payment", "paid", "payment_failed", "expired", "cancelled"];
var STEPS = ["preparing", "shipped", "ready_for_pickup", "delivered", "picked_up"];
var HEADINGS = ["Order", "Buyer", "Placed", "Status", "Fulfilment", "Total"];
var reference = (orderId) => orderId.replace(/-/g, "").slice(0, 8).toUpperCase();
async function viewOrders(params) {
  const status = params.get("status") ?? "";
  const fulfilment = params.get("fulfilment") ?? "";
  const email = params.get("email") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const query = {
    status: status || void 0,
    fulfilment: fulfilment || void 0,
    email: email || void 0,
    from: from ? (/* @__PURE__ */ new Date(`${from}T00:00:00`)).toISOString() : void 0,
    to: to ? (/* @__PURE__ */ new Date(`${to}T23:59:59.999`)).toISOString() : void 0
  };
  const page = await call(capsule.GET("/admin/orders", { query: { ...query, limit: 25 } }));
  const filters = filterForm({ status, fulfilment, email, from, to });
  const rows = page.items.map(orderRow);
  const list = table("Orders, newest first", HEADINGS, rows, { id: "orders" });
  const body = list.tBodies[0] ?? list;
  const next = more(body, HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/orders", { query: { ...query, limit: 25, cursor } })), orderRow);
  show("Orders", filters, page.items.length === 0 ? h("p", { id: "no-orders" }, "No order matches these filters.") : list, next);
}
function filterForm(chosen) {
  const status = select("filter-status", [["", "Any status"], ...STATUSES.map((s) => [s, s.replace(/_/g, " ")])], chosen.status);
  const fulfilment = select("filter-fulfilment", [["", "Any step"], ...STEPS.map((s) => [s, s.replace(/_/g, " ")])], chosen.fulfilment);
  const email = input("filter-email", { type: "email", value: chosen.email });
  const from = input("filter-from", { type: "date", value: chosen.from });
  const to = input("filter-to", { type: "date", value: chosen.to });
  return form(
    { id: "order-filters", class: "filters", role: "search", "aria-label": "Filter orders" },
    "Filter",
    async () => {
      const values = { status: status.value, fulfilment: fulfilment.value, email: email.value.trim(), from: from.value, to: to.value };
      const search = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== ""));
      go(`#/orders${search.size ? `?${search.toString()}` : ""}`);
    },
    field("Status", status, "/status"),
    field("Fulfilment", fulfilment, "/fulfilment"),
    field("Buyer's email", email, "/email"),
    field("From", from, "/from"),
    field("To", to, "/to")
  );
}
function orderRow(order) {
  return h(
    "tr",
    { "data-order-id": order.order_id, "data-status": order.status },
    h("td", {}, h("a", { href: `#/order/${encodeURIComponent(order.order_id)}` }, order.invoice_number ?? reference(order.order_id))),
    h("td", {}, order.email),
    h("td", {}, when(order.created_at)),
    h("td", {}, badge(order.status)),
    h("td", {}, order.fulfilment ? badge(order.fulfilment.status) : ""),
    h("td", { class: "num" }, money(order.total_cents))
  );
}
async function viewOrder(orderId) {
  const order = await call(capsule.GET("/admin/orders/{order_id}", { path: { order_id: orderId } }));
  show(
    `Order ${order.invoice_number ?? reference(order.order_id)}`,
    h("article", { id: "order", "data-order-id": order.order_id, "data-status": order.status, "data-fulfilment": order.fulfilment?.status ?? "" }, summary(order)),
    linesTable(order),
    order.status === "paid" ? fulfilmentForm(order) : null,
    order.status === "paid" ? refundForm(order) : null,
    cancelButton(order),
    story(order),
    h("p", {}, h("a", { href: "#/orders" }, "Back to the orders"))
  );
}
function summary(order) {
  const delivery = order.delivery.mode === "home" ? `Home: ${[order.delivery.address.name, order.delivery.address.line1, order.delivery.address.line2, `${order.delivery.address.postal_code} ${order.delivery.address.city}`, order.delivery.address.country].filter(Boolean).join(", ")}` : `Pickup at ${order.delivery.name} (${order.delivery.address})`;
  const tracking = order.fulfilment?.carrier ? ` — ${order.fulfilment.carrier} ${order.fulfilment.tracking_number ?? ""}` : "";
  const row = (label, ...value) => h("div", {}, h("dt", {}, label), h("dd", {}, ...value));
  return h(
    "dl",
    { class: "facts" },
    row("Buyer", order.email),
    row("Status", badge(order.status), order.refund_status ? ` (refund ${order.refund_status})` : ""),
    row("Fulfilment", order.fulfilment ? badge(order.fulfilment.status) : "not started", tracking),
    row("Delivery", delivery),
    row("Discounts", order.discounts.map((d) => `${d.kind}${d.percent === void 0 ? "" : ` ${d.percent}%`} −${money(d.amount_cents)}`).join(", ") || "none"),
    row("Fees", `delivery ${money(order.delivery_fee_cents)}, gift ${money(order.gift_fee_cents)}${order.gift ? ` (${order.gift.type})` : ""}`),
    row("Total", money(order.total_cents)),
    row("Refunded", money(order.refunded_cents ?? 0)),
    row("Payment", order.payment ? `${order.payment.brand ?? order.payment.method_type} ${order.payment.last4 ? `ending in ${order.payment.last4}` : ""}` : "none"),
    row("Placed", when(order.created_at)),
    row("Paid", when(order.paid_at) || "not paid"),
    order.promo_code ? row("Promo code", order.promo_code) : null
  );
}
var LINE_HEADINGS = ["Product", "Unit price", "Quantity", "Line total", "Units to return"];
function linesTable(order) {
  const returnable = order.status === "paid";
  const rows = order.items.map(
    (line, i) => h(
      "tr",
      { "data-product-id": line.product_id },
      h("td", {}, line.name, h("br"), h("small", { class: "muted" }, line.product_id)),
      h("td", { class: "num" }, money(line.unit_effective_price_cents)),
      h("td", { class: "num" }, String(line.quantity)),
      h("td", { class: "num" }, money(line.line_total_cents)),
      h(
        "td",
        {},
        returnable ? [
          h("label", { for: `return-${i}`, class: "visually-hidden" }, `Units of ${line.name} to return`),
          input(`return-${i}`, { type: "number", min: 0, max: line.quantity, value: 0, inputmode: "numeric", "data-product-id": line.product_id, form: "refund" })
        ] : ""
      )
    )
  );
  return table("Lines", LINE_HEADINGS, rows, { id: "lines" });
}
function nextSteps(order) {
  const home = order.delivery.mode === "home";
  switch (order.fulfilment?.status) {
    case void 0:
      return home ? ["preparing", "shipped"] : ["preparing", "ready_for_pickup"];
    case "preparing":
      return home ? ["shipped"] : ["ready_for_pickup"];
    case "shipped":
      return ["delivered"];
    case "ready_for_pickup":
      return ["picked_up"];
    default:
      return [];
  }
}
function fulfilmentForm(order) {
  const steps = nextSteps(order);
  if (steps.length === 0) return null;
  const step = select("fulfil-status", steps.map((s) => [s, s.replace(/_/g, " ")]));
  const carrier = input("fulfil-carrier", { autocomplete: "off" });
  const tracking = input("fulfil-tracking", { autocomplete: "off" });
  const parcel = h("fieldset", { id: "parcel" }, h("legend", {}, "Parcel"), field("Carrier", carrier, "/carrier"), field("Tracking number", tracking, "/tracking_number"));
  const showParcel = () => {
    parcel.hidden = step.value !== "shipped";
    parcel.disabled = parcel.hidden;
  };
  step.addEventListener("change", showParcel);
  showParcel();
  return h(
    "section",
    { "aria-labelledby": "fulfil-title" },
    h("h2", { id: "fulfil-title" }, "Fulfilment"),
    form(
      { id: "fulfil", class: "card" },
      "Record this step",
      async () => {
        const status = step.value;
        const parcelGiven = status === "shipped" ? { carrier: carrier.value.trim(), tracking_number: tracking.value.trim() } : {};
        await call(capsule.POST("/admin/orders/{order_id}/fulfilment", { path: { order_id: order.order_id }, body: { status, ...parcelGiven } }));
        goSaying(`#/order/${encodeURIComponent(order.order_id)}`, `Recorded: ${status.replace(/_/g, " ")}. The buyer is emailed.`);
      },
      field("Step", step, "/status"),
      parcel
    )
  );
}
function refundForm(order) {
  const left = order.total_cents - (order.refunded_cents ?? 0);
  const amount = input("refund-amount", { inputmode: "decimal", autocomplete: "off" });
  const key = `console-${crypto.randomUUID()}`;
  return h(
    "section",
    { "aria-labelledby": "refund-title" },
    h("h2", { id: "refund-title" }, "Refund"),
    h("p", { class: "muted" }, `Up to ${money(left)} is left to refund. Choose units to return in the lines above (they go back on sale), an amount, or both.`),
    form(
      { id: "refund", class: "card" },
      "Refund",
      async () => {
        const inputs = [...document.querySelectorAll('#lines input[type="number"]')];
        for (const each of inputs) delete each.dataset.field;
        const returned = inputs.filter((each) => Number(each.value) > 0);
        returned.forEach((each, k) => {
          each.dataset.field = `/lines/${k}/quantity`;
        });
        const lines = returned.map((each) => ({ product_id: each.dataset.productId ?? "", quantity: Number(each.value) }));
        const body = {
          idempotency_key: key,
          ...lines.length > 0 ? { lines } : {},
          ...amount.value.trim() !== "" || lines.length === 0 ? { amount_cents: cents(amount.value, "/amount_cents", "Amount") } : {}
        };
        const after = await call(capsule.POST("/admin/orders/{order_id}/refunds", { path: { order_id: order.order_id }, body }));
        goSaying(`#/order/${encodeURIComponent(order.order_id)}`, `Refunded: ${money(after.refunded_cents ?? 0)} in all. The buyer is emailed.`);
      },
      field("Amount (euros)", amount, "/amount_cents", "Left empty with units chosen: what the buyer paid for them.")
    )
  );
}
function cancelButton(order) {
  const shipped = order.fulfilment !== void 0 && order.fulfilment.status !== "preparing";
  if (order.status !== "paid" && order.status !== "pending_payment" || shipped) return null;
  const button = h("button", { type: "button", class: "danger", id: "cancel-order" }, "Cancel the order");
  button.addEventListener("click", () => {
    if (!window.confirm("Cancel this order? A paid one is refunded what is left, its units back on sale.")) return;
    button.disabled = true;
    call(capsule.POST("/admin/orders/{order_id}/cancel", { path: { order_id: order.order_id } })).then(() => goSaying(`#/order/${encodeURIComponent(order.order_id)}`, "Cancelled.")).catch((error) => {
      button.disabled = false;
      fail(error);
    });
  });
  return h("section", { "aria-labelledby": "cancel-title" }, h("h2", { id: "cancel-title" }, "Cancellation"), button);
}
function story(order) {
  const payments = table(
    "Payments at the provider",
    ["Payment", "Type", "Amount", "Status", "At"],
    order.payments.map((p) => h("tr", { "data-payment-status": p.status }, h("td", {}, p.payment_id), h("td", {}, p.method_type), h("td", { class: "num" }, money(p.amount_cents)), h("td", {}, badge(p.status)), h("td", {}, when(p.at)))),
    { id: "payments" }
  );
  const refunds = table(
    "Operators' refunds",
    ["Amount", "Units returned", "At"],
    order.refunds.map((r) => h("tr", {}, h("td", { class: "num" }, money(r.amount_cents)), h("td", {}, r.lines.map((l) => `${l.quantity} × ${l.product_id}`).join(", ") || "none"), h("td", {}, when(r.at)))),
    { id: "refunds" }
  );
  const history = h(
    "ol",
    { id: "history", class: "history" },
    order.history.map((entry) => h("li", {}, when(entry.at), " — ", entry.fulfilment ? entry.fulfilment.replace(/_/g, " ") : entry.refunded_cents ? `refunded ${money(entry.refunded_cents)}` : entry.status.replace(/_/g, " ")))
  );
  const emails = table(
    "Emails to the buyer",
    ["Subject", "To", "Sent"],
    order.emails.map((m) => h("tr", {}, h("td", {}, m.subject), h("td", {}, m.to.join(", ")), h("td", {}, m.sent_at ? when(m.sent_at) : "waiting in the outbox"))),
    { id: "emails" }
  );
  return [h("h2", {}, "History"), history, payments, refunds, emails];
}

// src/views/products.ts
var HEADINGS2 = ["Product", "Price", "Stock", "State", "Change"];
async function viewProducts() {
  const page = await call(capsule.GET("/admin/products", { query: { limit: 50 } }));
  const list = table("Every product, newest first", HEADINGS2, page.items.map(productRow), { id: "products" });
  const next = more(list.tBodies[0] ?? list, HEADINGS2, page.next_cursor, (cursor) => call(capsule.GET("/admin/products", { query: { limit: 50, cursor } })), productRow);
  show("Products", h("details", { class: "card" }, h("summary", { id: "open-new-product" }, "New product"), productForm(null)), list, next);
}
function productRow(product) {
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
    h("td", {}, h("details", {}, h("summary", {}, `Edit ${product.name}`), productForm(product)), toggle)
  );
}
async function toggleArchive(button, product) {
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
function productForm(product) {
  const id = product ? `p-${product.product_id}` : "new-product";
  const name = input(`${id}-name`, { value: product?.name ?? "", maxlength: 100, required: true });
  const description = h("textarea", { id: `${id}-description`, name: "description", maxlength: 2e3, rows: 3 }, product?.description ?? "");
  const price = input(`${id}-price`, { inputmode: "decimal", value: product ? (product.price_cents / 100).toFixed(2) : "", required: true });
  const stock = input(`${id}-stock`, { type: "number", min: 0, inputmode: "numeric", value: product?.stock ?? "", required: true });
  const image = input(`${id}-image`, { type: "url", value: product?.image_url ?? "", placeholder: "https://…" });
  const discount = input(`${id}-discount`, { type: "checkbox", checked: product ? void 0 : false });
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
        ...image.value.trim() ? { image_url: image.value.trim() } : {}
      };
      if (product) {
        const changed = Object.fromEntries(Object.entries(values).filter(([key, value]) => value !== current(product)[key]));
        await call(capsule.PATCH("/admin/products/{product_id}", { path: { product_id: product.product_id }, body: changed }));
        goSaying("#/products", `${values.name} saved.`);
      } else {
        const created = await call(capsule.POST("/admin/products", { body: values }));
        goSaying("#/products", `${created.name} created (${created.product_id}).`);
      }
    },
    field("Name", name, "/name"),
    field("Description", description, "/description"),
    field("Price (euros)", price, "/price_cents"),
    field("Stock", stock, "/stock", product ? "The new available stock." : void 0),
    field("Image URL", image, "/image_url", "An https address; shown in the catalogue."),
    h("div", { class: "choice" }, discount, h("label", { for: discount.id }, "5% product discount when no sale applies"))
  );
}
function current(product) {
  return {
    name: product.name,
    description: product.description,
    price_cents: product.price_cents,
    stock: product.stock,
    product_discount: product.discount?.kind === "product",
    image_url: product.image_url ?? void 0
  };
}

// src/views/promotions.ts
var HEADINGS3 = ["Code", "Discount", "Owner", "Commission", "Uses", "Expires", "State", "Change"];
async function viewPromoCodes() {
  const page = await call(capsule.GET("/admin/promo-codes", { query: { limit: 50 } }));
  const list = table("Every promo code", HEADINGS3, page.items.map(codeRow), { id: "promo-codes" });
  const next = more(list.tBodies[0] ?? list, HEADINGS3, page.next_cursor, (cursor) => call(capsule.GET("/admin/promo-codes", { query: { limit: 50, cursor } })), codeRow);
  show("Promo codes", h("details", { class: "card" }, h("summary", { id: "open-new-code" }, "New promo code"), newCodeForm()), list, next);
}
function codeRow(code) {
  const off = code.discount_amount_cents !== void 0 ? money(code.discount_amount_cents) : `${code.discount_percent ?? 0}%`;
  const deactivate = h("button", { type: "button", class: "secondary", "data-deactivate": code.code, hidden: !code.active }, "Deactivate");
  deactivate.addEventListener("click", () => {
    if (!window.confirm(`Deactivate ${code.code}? Buyers can no longer use it; orders placed with it keep their discount.`)) return;
    deactivate.disabled = true;
    call(capsule.POST("/admin/promo-codes/{code}/deactivate", { path: { code: code.code } })).then(() => goSaying("#/promo-codes", `${code.code} is deactivated.`)).catch((error) => {
      deactivate.disabled = false;
      fail(error);
    });
  });
  return h(
    "tr",
    { "data-code": code.code, "data-active": String(code.active) },
    h("td", {}, code.code),
    h("td", {}, off),
    h("td", {}, code.owner_user_id ?? "shop-wide"),
    h("td", {}, code.owner_user_id ? h("a", { href: `#/promo-codes/${encodeURIComponent(code.code)}/commissions` }, `${code.commission_percent}%`) : "none"),
    h("td", { class: "num" }, `${code.uses}${code.max_uses ? ` / ${code.max_uses}` : ""}`),
    h("td", {}, when(code.expires_at) || "never"),
    h("td", {}, badge(code.active ? "active" : "deactivated")),
    h("td", {}, deactivate)
  );
}
function newCodeForm() {
  const code = input("code-code", { autocomplete: "off", maxlength: 32, required: true });
  const kind = select("code-kind", [["percent", "A percent off"], ["amount", "A fixed amount off (euros)"]]);
  const value = input("code-value", { inputmode: "decimal", required: true });
  const owner = input("code-owner", { autocomplete: "off" });
  const commission = input("code-commission", { type: "number", min: 0, max: 100, inputmode: "numeric" });
  const maxUses = input("code-max-uses", { type: "number", min: 1, inputmode: "numeric" });
  const expires = input("code-expires", { type: "datetime-local" });
  const follow = () => {
    value.dataset.field = kind.value === "percent" ? "/discount_percent" : "/discount_amount_cents";
  };
  kind.addEventListener("change", follow);
  follow();
  return form(
    { id: "new-code" },
    "Create the code",
    async () => {
      const ownerId = owner.value.trim();
      const body = {
        code: code.value.trim(),
        ...kind.value === "percent" ? { discount_percent: whole(value.value, "/discount_percent", "Discount") } : { discount_amount_cents: cents(value.value, "/discount_amount_cents", "Discount") },
        ...ownerId ? { owner_user_id: ownerId } : {},
        ...commission.value.trim() ? { commission_percent: whole(commission.value, "/commission_percent", "Commission") } : {},
        ...maxUses.value.trim() ? { max_uses: whole(maxUses.value, "/max_uses", "Uses") } : {},
        ...expires.value ? { expires_at: instant(expires.value, "/expires_at", "Expires") } : {}
      };
      const created = await call(capsule.POST("/admin/promo-codes", { body }));
      goSaying("#/promo-codes", `${created.code} created.`);
    },
    field("Code", code, "/code", "3 to 32 letters, digits, - or _."),
    field("Discount", kind),
    field("Discount value", value, void 0, "A percent, or euros for a fixed amount."),
    field("Owner's user id", owner, "/owner_user_id", "Empty: a shop-wide code, with no commission."),
    field("Owner's commission (%)", commission, "/commission_percent"),
    field("Most uses", maxUses, "/max_uses", "Empty: unlimited."),
    field("Expires", expires, "/expires_at", "Empty: never.")
  );
}
async function viewCommissions(code) {
  const answer = await call(capsule.GET("/admin/promo-codes/{code}/commissions", { path: { code } }));
  const rows = answer.items.map(
    (c) => h("tr", { "data-order-id": c.order_id }, h("td", {}, h("a", { href: `#/order/${encodeURIComponent(c.order_id)}` }, c.order_id)), h("td", { class: "num" }, money(c.amount_cents)), h("td", {}, badge(c.status)))
  );
  show(
    `Commissions of ${code}`,
    h("p", { class: "lead", id: "commission-total" }, `Earned in all: ${money(answer.total_earned_cents)}`),
    answer.items.length === 0 ? h("p", { class: "muted" }, "No order used this code yet.") : table("Commissions, oldest order first", ["Order", "Commission", "Status"], rows, { id: "commissions" }),
    h("p", {}, h("a", { href: "#/promo-codes" }, "Back to the promo codes"))
  );
}

// src/views/sales.ts
var HEADINGS4 = ["Sale", "Percent", "Period", "Products", "State", "Change"];
async function viewSales() {
  const [page, products] = await Promise.all([
    call(capsule.GET("/admin/sales", { query: { limit: 50 } })),
    call(capsule.GET("/admin/products", { query: { archived: false, limit: 100 } }))
  ]);
  const list = table("Every sale", HEADINGS4, page.items.map(saleRow), { id: "sales" });
  const next = more(list.tBodies[0] ?? list, HEADINGS4, page.next_cursor, (cursor) => call(capsule.GET("/admin/sales", { query: { limit: 50, cursor } })), saleRow);
  show("Sales", h("details", { class: "card" }, h("summary", { id: "open-new-sale" }, "New sale"), newSaleForm(products.items)), list, next);
}
function stateOf(sale, now = Date.now()) {
  if (Date.parse(sale.ends_at) <= now) return "over";
  return Date.parse(sale.starts_at) <= now ? "running" : "upcoming";
}
function saleRow(sale) {
  const state = stateOf(sale);
  const end = h("button", { type: "button", class: "secondary", "data-end": sale.sale_id, hidden: state === "over" }, "End now");
  end.addEventListener("click", () => {
    if (!window.confirm(`End ${sale.name} now? Its products go back to their usual price at once.`)) return;
    end.disabled = true;
    call(capsule.POST("/admin/sales/{sale_id}/end", { path: { sale_id: sale.sale_id } })).then(() => goSaying("#/sales", `${sale.name} ended.`)).catch((error) => {
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
    h("td", {}, state === "over" ? "" : h("details", {}, h("summary", {}, `Edit ${sale.name}`), editSaleForm(sale)), end)
  );
}
function saleFields(id, sale) {
  return {
    name: input(`${id}-name`, { value: sale?.name ?? "", maxlength: 100, required: true }),
    percent: input(`${id}-percent`, { type: "number", min: 1, max: 100, inputmode: "numeric", value: sale?.percent ?? "", required: true }),
    starts: input(`${id}-starts`, { type: "datetime-local", value: sale ? local(sale.starts_at) : "", required: true }),
    ends: input(`${id}-ends`, { type: "datetime-local", value: sale ? local(sale.ends_at) : "", required: true })
  };
}
function newSaleForm(products) {
  const f = saleFields("sale", null);
  const boxes = products.map((p) => input(`sale-product-${p.product_id}`, { type: "checkbox", value: p.product_id, name: "product" }));
  const chooser = h(
    "fieldset",
    { class: "products-chooser", "data-field": "/product_ids", tabindex: "-1" },
    h("legend", {}, "Products on sale"),
    products.map((p, i) => h("div", { class: "choice" }, boxes[i], h("label", { for: `sale-product-${p.product_id}` }, p.name)))
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
        product_ids: productIds
      };
      const sale = await call(capsule.POST("/admin/sales", { body }));
      goSaying("#/sales", `${sale.name} created.`);
    },
    field("Name", f.name, "/name"),
    field("Percent off", f.percent, "/percent"),
    field("Starts", f.starts, "/starts_at"),
    field("Ends", f.ends, "/ends_at"),
    chooser
  );
}
function editSaleForm(sale) {
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
        ends_at: instant(f.ends.value, "/ends_at", "Ends")
      };
      const before = { name: sale.name, percent: sale.percent, starts_at: instant(local(sale.starts_at), "", ""), ends_at: instant(local(sale.ends_at), "", "") };
      const body = Object.fromEntries(Object.entries(values).filter(([key, value]) => before[key] !== value));
      await call(capsule.PATCH("/admin/sales/{sale_id}", { path: { sale_id: sale.sale_id }, body }));
      goSaying("#/sales", `${values.name} saved.`);
    },
    field("Name", f.name, "/name"),
    field("Percent off", f.percent, "/percent"),
    field("Starts", f.starts, "/starts_at"),
    field("Ends", f.ends, "/ends_at")
  );
}

// src/views/ledgers.ts
var CART_HEADINGS = ["Buyer", "Items", "Total", "Changed"];
async function viewCarts() {
  const page = await call(capsule.GET("/admin/carts", { query: { limit: 50 } }));
  const row = (cart) => h("tr", { "data-cart-id": cart.cart_id }, h("td", {}, cart.email), h("td", {}, cart.items.map((i) => `${i.quantity} × ${i.name}`).join(", ")), h("td", { class: "num" }, money(cart.total_cents)), h("td", {}, when(cart.updated_at)));
  const list = table("Non-empty unpaid carts, most recently changed first", CART_HEADINGS, page.items.map(row), { id: "carts" });
  const next = more(list.tBodies[0] ?? list, CART_HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/carts", { query: { limit: 50, cursor } })), row);
  show("Unpaid carts", page.items.length === 0 ? h("p", { class: "muted" }, "No unpaid cart.") : list, next);
}
var PAYMENT_HEADINGS = ["Payment", "For", "Type", "Amount", "Status", "At"];
async function viewPayments(params) {
  const chosen = params.get("method_type") ?? "";
  const method_type = chosen || void 0;
  const page = await call(capsule.GET("/admin/payments", { query: { method_type, limit: 50 } }));
  const kind = select("payments-type", [["", "Every type"], ["card", "Card"], ["crina_pay", "CRINA-PAY"]], chosen);
  const filter = form({ id: "payment-filters", class: "filters", role: "search", "aria-label": "Filter payments" }, "Show", async () => go(kind.value ? `#/payments?method_type=${kind.value}` : "#/payments"), field("Payment type", kind, "/method_type"));
  const list = table("Payments, failures and refunds, newest first", PAYMENT_HEADINGS, page.items.map(paymentRow), { id: "payments" });
  const next = more(list.tBodies[0] ?? list, PAYMENT_HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/payments", { query: { method_type, limit: 50, cursor } })), paymentRow);
  show("Payments", filter, list, next);
}
function paymentRow(payment) {
  const target = payment.order_id ? h("a", { href: `#/order/${encodeURIComponent(payment.order_id)}` }, `order ${payment.order_id.slice(0, 8)}`) : `subscription ${payment.subscription_id ?? ""}`;
  return h(
    "tr",
    { "data-payment-id": payment.payment_id, "data-order-id": payment.order_id ?? "", "data-status": payment.status },
    h("td", {}, payment.payment_id),
    h("td", {}, target),
    h("td", {}, payment.method_type),
    h("td", { class: "num" }, money(payment.amount_cents)),
    h("td", {}, badge(payment.status)),
    h("td", {}, when(payment.at))
  );
}
var STATUSES2 = ["active", "trialing", "past_due", "suspended", "incomplete", "cancelled"];
var SUBSCRIPTION_HEADINGS = ["Subscriber", "Plan", "Status", "Since", "Next charge"];
async function viewSubscriptions(params) {
  const chosen = params.get("status") ?? "";
  const status = chosen || void 0;
  const page = await call(capsule.GET("/admin/subscriptions", { query: { status, limit: 50 } }));
  const pick = select("subscriptions-status", [["", "Every status"], ...STATUSES2.map((s) => [s, s.replace(/_/g, " ")])], chosen);
  const filter = form({ id: "subscription-filters", class: "filters", role: "search", "aria-label": "Filter subscriptions" }, "Show", async () => go(pick.value ? `#/subscriptions?status=${pick.value}` : "#/subscriptions"), field("Status", pick, "/status"));
  const list = table("Subscriptions by status, newest first", SUBSCRIPTION_HEADINGS, page.items.map(subscriptionRow), { id: "subscriptions" });
  const next = more(list.tBodies[0] ?? list, SUBSCRIPTION_HEADINGS, page.next_cursor, (cursor) => call(capsule.GET("/admin/subscriptions", { query: { status, limit: 50, cursor } })), subscriptionRow);
  show("Subscriptions", h("p", { class: "lead", id: "mrr" }, `Monthly recurring revenue: ${money(page.mrr_cents)}`), filter, list, next);
}
function subscriptionRow(subscription) {
  return h(
    "tr",
    { "data-subscription-id": subscription.subscription_id, "data-status": subscription.status },
    h("td", {}, subscription.email),
    h("td", {}, `${subscription.plan_name} (${money(subscription.price_cents)}/month)`),
    h("td", {}, badge(subscription.status)),
    h("td", {}, when(subscription.created_at)),
    h("td", {}, when(subscription.next_charge_at))
  );
}

// src/views/shop.ts
async function viewSettings() {
  const settings = await call(capsule.GET("/admin/settings"));
  show("Settings", settingsForm(settings));
}
function number(key, value) {
  const box = input(`setting-${key}`, { type: "number", min: 0, inputmode: "numeric", value: value ?? "" });
  return { box, read: (label) => whole(box.value, `/${key}`, label) };
}
function settingsForm(settings) {
  const n = {
    cancellation_window_minutes: number("cancellation_window_minutes", settings.cancellation_window_minutes),
    payment_session_minutes: number("payment_session_minutes", settings.payment_session_minutes),
    low_stock_threshold: number("low_stock_threshold", settings.low_stock_threshold),
    trial_days: number("trial_days", settings.trial_days),
    sale_unit_limit: number("sale_unit_limit", settings.sale_unit_limit),
    card_expiry_notice_days: number("card_expiry_notice_days", settings.card_expiry_notice_days),
    signups_per_address_per_hour: number("signups_per_address_per_hour", settings.signups_per_address_per_hour),
    max_unpaid_units_per_product: number("max_unpaid_units_per_product", settings.max_unpaid_units_per_product),
    vat_rate_basis_points: number("vat_rate_basis_points", settings.vat_rate_basis_points)
  };
  const euros = (key, value) => input(`setting-${key}`, { inputmode: "decimal", value: (value / 100).toFixed(2) });
  const delivery = euros("home_delivery_fee_cents", settings.home_delivery_fee_cents);
  const gifts = {
    simple: euros("gift-simple", settings.gift_fees_cents.simple),
    birthday: euros("gift-birthday", settings.gift_fees_cents.birthday),
    wedding: euros("gift-wedding", settings.gift_fees_cents.wedding)
  };
  const managers = h("textarea", { id: "setting-stock_manager_emails", rows: 3 }, settings.stock_manager_emails.join("\n"));
  const locale = select("setting-default_locale", [["fr", "French"], ["en", "English"]], settings.default_locale ?? "fr");
  const shop = settings.shop;
  const identity = {
    name: input("setting-shop-name", { value: shop?.name ?? "" }),
    legal_name: input("setting-shop-legal", { value: shop?.legal_name ?? "" }),
    address: input("setting-shop-address", { value: shop?.address ?? "" }),
    vat_number: input("setting-shop-vat", { value: shop?.vat_number ?? "" })
  };
  return form(
    { id: "settings", class: "card" },
    "Save the settings",
    async () => {
      const body = {
        cancellation_window_minutes: n.cancellation_window_minutes.read("Cancellation window"),
        payment_session_minutes: n.payment_session_minutes.read("Payment page lifetime"),
        home_delivery_fee_cents: cents(delivery.value, "/home_delivery_fee_cents", "Home delivery fee"),
        gift_fees_cents: {
          simple: cents(gifts.simple.value, "/gift_fees_cents/simple", "Simple gift wrap"),
          birthday: cents(gifts.birthday.value, "/gift_fees_cents/birthday", "Birthday gift wrap"),
          wedding: cents(gifts.wedding.value, "/gift_fees_cents/wedding", "Wedding gift wrap")
        },
        low_stock_threshold: n.low_stock_threshold.read("Low-stock threshold"),
        stock_manager_emails: managers.value.split(/[\s,]+/).filter(Boolean),
        trial_days: n.trial_days.read("Free trial"),
        sale_unit_limit: n.sale_unit_limit.read("Sale unit limit"),
        card_expiry_notice_days: n.card_expiry_notice_days.read("Card expiry notice"),
        signups_per_address_per_hour: n.signups_per_address_per_hour.read("Signups per address"),
        max_unpaid_units_per_product: n.max_unpaid_units_per_product.read("Unpaid units per product"),
        vat_rate_basis_points: n.vat_rate_basis_points.read("VAT rate"),
        default_locale: locale.value,
        shop: { name: identity.name.value.trim(), legal_name: identity.legal_name.value.trim(), address: identity.address.value.trim(), vat_number: identity.vat_number.value.trim() }
      };
      await call(capsule.PUT("/admin/settings", { body }));
      goSaying("#/settings", "Settings saved.");
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "Orders"),
      field("Cancellation window (minutes)", n.cancellation_window_minutes.box, "/cancellation_window_minutes"),
      field("Payment page lifetime (minutes)", n.payment_session_minutes.box, "/payment_session_minutes"),
      field("Home delivery fee (euros)", delivery, "/home_delivery_fee_cents"),
      field("Simple gift wrap (euros)", gifts.simple, "/gift_fees_cents/simple"),
      field("Birthday gift wrap (euros)", gifts.birthday, "/gift_fees_cents/birthday"),
      field("Wedding gift wrap (euros)", gifts.wedding, "/gift_fees_cents/wedding"),
      field("Units one buyer may hold unpaid, per product", n.max_unpaid_units_per_product.box, "/max_unpaid_units_per_product"),
      field("Units per buyer during a sale", n.sale_unit_limit.box, "/sale_unit_limit")
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Stock"),
      field("Low-stock threshold", n.low_stock_threshold.box, "/low_stock_threshold"),
      field("Stock managers' emails", managers, "/stock_manager_emails", "One a line; each is emailed a low-stock alert.")
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Accounts and subscriptions"),
      field("Free trial (days)", n.trial_days.box, "/trial_days"),
      field("Card expiry notice (days)", n.card_expiry_notice_days.box, "/card_expiry_notice_days"),
      field("Signups per address per hour", n.signups_per_address_per_hour.box, "/signups_per_address_per_hour"),
      field("Default language", locale, "/default_locale")
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "The shop"),
      field("Name", identity.name, "/shop/name"),
      field("Legal name", identity.legal_name, "/shop/legal_name"),
      field("Address", identity.address, "/shop/address"),
      field("VAT number", identity.vat_number, "/shop/vat_number"),
      field("VAT rate (hundredths of a percent)", n.vat_rate_basis_points.box, "/vat_rate_basis_points", "2000 is 20 %.")
    )
  );
}
async function viewPlans() {
  const plans = await call(capsule.GET("/admin/plans"));
  const rows = plans.items.map(
    (plan) => h("tr", { "data-plan-id": plan.plan_id }, h("td", {}, plan.plan_id), h("td", {}, plan.name), h("td", { class: "num" }, money(plan.price_cents)), h("td", {}, h("details", {}, h("summary", {}, `Edit ${plan.name}`), planForm(plan))))
  );
  show("Plans", h("details", { class: "card" }, h("summary", { id: "open-new-plan" }, "New plan"), planForm(null)), table("Every plan", ["Plan", "Name", "Per month", "Change"], rows, { id: "plans" }));
}
function planForm(plan) {
  const id = plan ? `plan-${plan.plan_id}` : "new-plan";
  const planId = input(`${id}-id`, { value: plan?.plan_id ?? "", pattern: "[a-z0-9-]{1,40}", required: true });
  const name = input(`${id}-name`, { value: plan?.name ?? "", required: true });
  const price = input(`${id}-price`, { inputmode: "decimal", value: plan ? (plan.price_cents / 100).toFixed(2) : "", required: true });
  return form(
    { id },
    plan ? "Save" : "Create the plan",
    async () => {
      const values = { name: name.value.trim(), price_cents: cents(price.value, "/price_cents", "Price") };
      if (plan) await call(capsule.PATCH("/admin/plans/{plan_id}", { path: { plan_id: plan.plan_id }, body: values }));
      else await call(capsule.POST("/admin/plans", { body: { plan_id: planId.value.trim(), ...values } }));
      goSaying("#/plans", `${values.name} saved. Subscriptions keep the price they were taken at.`);
    },
    plan ? null : field("Plan id", planId, "/plan_id", "Lower-case letters, digits and -."),
    field("Name", name, "/name"),
    field("Price per month (euros)", price, "/price_cents")
  );
}
async function viewPickupPoints() {
  const points = await call(capsule.GET("/admin/pickup-points"));
  const rows = points.items.map(
    (point) => h("tr", { "data-pickup-point-id": point.pickup_point_id }, h("td", {}, point.pickup_point_id), h("td", {}, point.name), h("td", {}, point.address), h("td", {}, h("details", {}, h("summary", {}, `Edit ${point.name}`), pickupForm(point))))
  );
  show("Pickup points", h("details", { class: "card" }, h("summary", { id: "open-new-pickup-point" }, "New pickup point"), pickupForm(null)), table("Every pickup point", ["Id", "Name", "Address", "Change"], rows, { id: "pickup-points" }));
}
function pickupForm(point) {
  const id = point ? `pp-${point.pickup_point_id}` : "new-pickup-point";
  const pointId = input(`${id}-id`, { value: point?.pickup_point_id ?? "", required: true });
  const name = input(`${id}-name`, { value: point?.name ?? "", required: true });
  const address = input(`${id}-address`, { value: point?.address ?? "", required: true });
  return form(
    { id },
    point ? "Save" : "Create the pickup point",
    async () => {
      const values = { name: name.value.trim(), address: address.value.trim() };
      if (point) await call(capsule.PATCH("/admin/pickup-points/{pickup_point_id}", { path: { pickup_point_id: point.pickup_point_id }, body: values }));
      else await call(capsule.POST("/admin/pickup-points", { body: { pickup_point_id: pointId.value.trim(), ...values } }));
      goSaying("#/pickup-points", `${values.name} saved.`);
    },
    point ? null : field("Id", pointId, "/pickup_point_id", "Lower-case letters, digits and -."),
    field("Name", name, "/name"),
    field("Address", address, "/address")
  );
}

// src/views/signin.ts
function viewSignIn() {
  const email = input("signin-email", { type: "email", autocomplete: "username", required: true });
  const password = input("signin-password", { type: "password", autocomplete: "current-password", required: true });
  const signIn = form(
    { id: "signin", class: "card narrow" },
    "Sign in",
    async () => {
      const answer = await call(capsule.POST("/auth/login", { body: { email: email.value.trim(), password: password.value } }));
      if (answer.user.role !== "admin") {
        goSaying("#/signin", "This account is not an operator's: sign in with an admin account.", true);
        return;
      }
      session.save(answer.token, answer.user);
      goSaying("#/", `Signed in as ${answer.user.email}.`);
    },
    field("Email", email, "/email"),
    field("Password", password, "/password")
  );
  show("Sign in", signIn);
}

// src/main.ts
var part = (match, n) => decodeURIComponent(match[n] ?? "");
var routes = [
  [/^#?\/?$/, "dashboard", () => viewDashboard()],
  [/^#\/orders$/, "orders", (_, params) => viewOrders(params)],
  [/^#\/order\/([^/]+)$/, "orders", (match) => viewOrder(part(match, 1))],
  [/^#\/products$/, "products", () => viewProducts()],
  [/^#\/sales$/, "sales", () => viewSales()],
  [/^#\/promo-codes$/, "promo-codes", () => viewPromoCodes()],
  [/^#\/promo-codes\/([^/]+)\/commissions$/, "promo-codes", (match) => viewCommissions(part(match, 1))],
  [/^#\/carts$/, "carts", () => viewCarts()],
  [/^#\/payments$/, "payments", (_, params) => viewPayments(params)],
  [/^#\/subscriptions$/, "subscriptions", (_, params) => viewSubscriptions(params)],
  [/^#\/settings$/, "settings", () => viewSettings()],
  [/^#\/plans$/, "plans", () => viewPlans()],
  [/^#\/pickup-points$/, "pickup-points", () => viewPickupPoints()]
];
function renderHeader(current2) {
  const signedIn = session.token !== null;
  const nav = document.getElementById("nav");
  const signOut = document.getElementById("sign-out");
  if (nav) nav.hidden = !signedIn;
  if (signOut) signOut.hidden = !signedIn;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === current2) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}
async function route() {
  if (window.location.hash && !window.location.hash.startsWith("#/") && main().dataset.view) return;
  const [path = "#/", query = ""] = (window.location.hash || "#/").split("?");
  startView();
  main().dataset.view = path;
  if (path === "#/signin" || !session.token) {
    renderHeader("");
    viewSignIn();
    return;
  }
  const found = routes.find(([pattern]) => pattern.test(path));
  const match = found && path.match(found[0]);
  renderHeader(found?.[1] ?? "");
  if (!found || !match) {
    show("Not found", h("p", {}, h("a", { href: "#/" }, "Back to the dashboard")));
    return;
  }
  try {
    await found[2](match, new URLSearchParams(query));
  } catch (error) {
    const again = h("button", { type: "button", class: "secondary", onclick: () => void route() }, "Try again");
    show("This page could not be shown", h("p", {}, again));
    fail(error);
  }
}
document.getElementById("sign-out")?.addEventListener("click", () => {
  session.clear();
  go("#/signin");
  say("Signed out.");
});
window.addEventListener("hashchange", () => void route());
void route();
