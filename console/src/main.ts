// The operators' console: a hash-routed page that calls only Capsule's public admin API
// (docs/API.md), through the typed client of clients/typescript, from whatever origin
// serves it. `make console` bundles it into dist/app.js.
import { session } from "./api.js";
import { fail, go, h, main, say, show, startView } from "./ui.js";
import { viewDashboard } from "./views/dashboard.js";
import { viewOrder, viewOrders } from "./views/orders.js";
import { viewProducts } from "./views/products.js";
import { viewCommissions, viewPromoCodes } from "./views/promotions.js";
import { viewSales } from "./views/sales.js";
import { viewCarts, viewPayments, viewSubscriptions } from "./views/ledgers.js";
import { viewPickupPoints, viewPlans, viewSettings } from "./views/shop.js";
import { viewSignIn } from "./views/signin.js";

type View = (match: RegExpMatchArray, params: URLSearchParams) => void | Promise<void>;

const part = (match: RegExpMatchArray, n: number): string => decodeURIComponent(match[n] ?? "");

const routes: [RegExp, string, View][] = [
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
  [/^#\/pickup-points$/, "pickup-points", () => viewPickupPoints()],
];

/** The header as the session has it: the menu only for a signed-in operator. */
function renderHeader(current: string): void {
  const signedIn = session.token !== null;
  const nav = document.getElementById("nav");
  const signOut = document.getElementById("sign-out");
  if (nav) nav.hidden = !signedIn;
  if (signOut) signOut.hidden = !signedIn;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    if (link.dataset.nav === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route(): Promise<void> {
  // In-page anchors (the skip link) are not views.
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
