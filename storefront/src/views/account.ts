// Signing in or up (the guest's cart comes along), and the account: saved payment methods.
import { call, capsule, session, type User } from "../api.js";
import { forgetCart, loadCart, signedIn } from "../cart.js";
import { field, h, show } from "../dom.js";
import { lang, t } from "../i18n.js";
import { act, actionForm, goSaying, say } from "../status.js";
import { describeMethod } from "./common.js";

export function viewAccount(params: URLSearchParams): void | Promise<void> {
  const user = session.user;
  if (user) return viewSignedIn(user);
  const next = params.get("next");
  const after = (problems: string[]): void => {
    const message = problems.length ? t("Signed in. Some caps could not be added: {problems}", { problems: problems.join(" ") }) : t("Signed in: your cart is here.");
    goSaying(next === "plans" ? "#/plans" : "#/cart", { message, error: problems.length > 0 });
  };
  show(t("Sign in"), h("div", { class: "columns" }, loginForm(after), signupForm(after)));
}

function signupForm(after: (problems: string[]) => void): HTMLFormElement {
  const name = h("input", { type: "text", id: "signup-name", autocomplete: "name", required: true, maxlength: "100", "data-field": "/name" });
  const email = h("input", { type: "email", id: "signup-email", autocomplete: "email", required: true, "data-field": "/email" });
  const password = h("input", { type: "password", id: "signup-password", autocomplete: "new-password", required: true, minlength: "8", "data-field": "/password" });
  const signup = h("button", { type: "submit", id: "signup-submit" }, t("Create my account"));
  return actionForm(
    { "aria-labelledby": "signup-title" },
    signup,
    async () => {
      const created = await call(capsule.POST("/auth/signup", { body: { email: email.value, password: password.value, name: name.value, locale: lang() } }));
      const user: User = { user_id: created.user_id, email: email.value.trim().toLowerCase(), name: name.value.trim(), role: "customer", locale: lang() };
      after(await signedIn(created.token, user, null));
    },
    h("h2", { id: "signup-title" }, t("New here? Create an account")),
    field(t("Name"), name),
    field(t("Email"), email),
    field(t("Password"), password, t("At least 8 characters.")),
    signup,
  );
}

function loginForm(after: (problems: string[]) => void): HTMLFormElement {
  const email = h("input", { type: "email", id: "login-email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", id: "login-password", autocomplete: "current-password", required: true });
  const login = h("button", { type: "submit", id: "login-submit" }, t("Sign in"));
  return actionForm(
    { "aria-labelledby": "login-title" },
    login,
    async () => {
      const answer = await call(capsule.POST("/auth/login", { body: { email: email.value, password: password.value } }));
      after(await signedIn(answer.token, answer.user, answer.cart));
    },
    h("h2", { id: "login-title" }, t("Already a customer? Sign in")),
    field(t("Email"), email),
    field(t("Password"), password),
    login,
  );
}

async function viewSignedIn(user: User): Promise<void> {
  const methods = h("ul", { class: "methods", id: "methods" });
  const logout = h("button", { type: "button", class: "secondary" }, t("Sign out"));
  logout.addEventListener("click", () => {
    session.clear();
    forgetCart();
    void loadCart();
    goSaying("#/", { message: t("Signed out.") });
  });
  show(
    t("Your account"),
    h("p", {}, t("Signed in as {name} ({email}).", { name: user.name, email: user.email })),
    logout,
    h(
      "section",
      { "aria-labelledby": "methods-title" },
      h("h2", { id: "methods-title" }, t("Saved payment methods")),
      h("p", { class: "muted" }, t("Tick “save” on the payment page to pay in one click next time.")),
      methods,
    ),
    h("p", {}, h("a", { href: "#/orders" }, t("Your orders")), " · ", h("a", { href: "#/plans" }, t("Your subscription"))),
  );
  const list = await call(capsule.GET("/payment-methods"));
  if (list.items.length === 0) methods.append(h("li", {}, t("None yet.")));
  for (const method of list.items) {
    const remove = h("button", { type: "button", class: "secondary", "aria-label": t("Delete {method}", { method: describeMethod(method) }) }, t("Delete"));
    remove.addEventListener("click", () =>
      void act(remove, async () => {
        await call(capsule.DELETE("/payment-methods/{payment_method_id}", { path: { payment_method_id: method.payment_method_id } }));
        say(t("{method} deleted.", { method: describeMethod(method) }));
        await viewSignedIn(user);
      }),
    );
    const state =
      method.type === "card" && method.expired
        ? h("span", { class: "tag sale" }, t("expired"))
        : method.type === "card" && method.expiring_soon
          ? h("span", { class: "tag" }, t("expires soon"))
          : null;
    methods.append(h("li", { "data-method-id": method.payment_method_id }, describeMethod(method), state, " ", remove));
  }
}
