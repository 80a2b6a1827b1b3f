// The demo storefront: a hash-routed page that calls only Capsule's public HTTP API
// (docs/API.md), through the typed client of clients/typescript, from whatever origin
// serves it. `make storefront` bundles it into dist/app.js.
import { call, capsule, session, SIGNED_OUT } from "./api.js";
import { loadCart, renderHeader } from "./cart.js";
import { h, main, show } from "./dom.js";
import { choose, t, translatePage, type Lang } from "./i18n.js";
import { fail, startView } from "./status.js";
import { viewAccount } from "./views/account.js";
import { viewCart } from "./views/cart.js";
import { viewCheckout } from "./views/checkout.js";
import { viewOrder, viewOrders } from "./views/orders.js";
import { viewPlans, viewSubscription } from "./views/plans.js";
import { viewShop } from "./views/shop.js";

type View = (match: RegExpMatchArray, params: URLSearchParams) => void | Promise<void>;

/** The `n`th group of a route's match, decoded. */
const part = (match: RegExpMatchArray, n: number): string => decodeURIComponent(match[n] ?? "");

const routes: [RegExp, View][] = [
  [/^#?\/?$/, (_, params) => viewShop(params)],
  [/^#\/cart$/, () => viewCart()],
  [/^#\/checkout$/, () => viewCheckout()],
  [/^#\/account$/, (_, params) => viewAccount(params)],
  [/^#\/orders$/, () => viewOrders()],
  [/^#\/order\/([^/]+)$/, (match, params) => viewOrder(part(match, 1), params)],
  [/^#\/plans$/, () => viewPlans()],
  [/^#\/subscription\/([^/]+)$/, (match, params) => viewSubscription(part(match, 1), params)],
];

async function route(): Promise<void> {
  // In-page anchors (the skip link) are not views.
  if (window.location.hash && !window.location.hash.startsWith("#/") && main().dataset.view) return;
  const [path = "#/", query = ""] = (window.location.hash || "#/").split("?");
  const params = new URLSearchParams(query);
  startView();
  translatePage();
  renderHeader();
  const found = routes.find(([pattern]) => pattern.test(path)) ?? (path.startsWith("#/") ? null : routes[0]);
  main().dataset.view = path;
  const match = found && path.match(found[0]);
  if (!found || !match) {
    show(t("Not found"), h("p", {}, h("a", { href: "#/" }, t("Back to the shop"))));
    return;
  }
  try {
    await found[1](match, params);
  } catch (error) {
    fail(error);
  }
}

// Back from the payment page: `?return=success|cancel&order_id=…` (or subscription_id).
function takeReturn(): void {
  const search = new URLSearchParams(window.location.search);
  const outcome = search.get("return");
  if (!outcome) return;
  const order = search.get("order_id");
  const subscription = search.get("subscription_id");
  const target = order
    ? `#/order/${encodeURIComponent(order)}?return=${outcome}`
    : subscription
      ? `#/subscription/${encodeURIComponent(subscription)}?return=${outcome}`
      : "#/orders";
  window.history.replaceState(null, "", window.location.pathname + target);
}

// The language switch: the page speaks the language picked, from now on; a signed-in
// account takes it too (its emails and payment page follow).
for (const button of document.querySelectorAll<HTMLButtonElement>("[data-lang]")) {
  button.addEventListener("click", () => {
    const locale = button.dataset.lang as Lang;
    choose(locale);
    const token = session.token;
    if (token) {
      void call(capsule.PATCH("/account", { body: { locale } }))
        .then((user) => session.save(token, user))
        .catch(fail);
    }
    void route();
  });
}

window.addEventListener("hashchange", () => void route());
window.addEventListener(SIGNED_OUT, renderHeader);
takeReturn();
loadCart().catch(fail);
void route();
