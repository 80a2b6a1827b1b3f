// Monthly plans: subscribing (a saved method at once, or the hosted payment page), the
// buyer's subscriptions, and one as the buyer comes back from its payment page.
import type { Schema } from "@capsule/client";

import { call, capsule, session } from "../api.js";
import { date, field, h, money, show, statusLabel, wait } from "../dom.js";
import { act, actionForm, say } from "../status.js";
import { breakdown, describeMethod, needsAccount, paysOnPage, returnUrls, toPaymentPage } from "./common.js";
import { t } from "../i18n.js";

type Subscription = Schema<"Subscription">;

function planCard(plan: Schema<"Plan">, methods: Schema<"SavedMethod">[]): HTMLLIElement {
  const choice = h(
    "select",
    { id: `plan-method-${plan.plan_id}` },
    methods.map((m) => h("option", { value: m.payment_method_id }, describeMethod(m))),
    h("option", { value: "card" }, t("A card, on the secure payment page")),
    h("option", { value: "crina_pay" }, t("CRINA-PAY, on the secure payment page")),
  );
  const subscribe = h("button", { type: "submit" }, t("Subscribe to {plan}", { plan: plan.name }));
  return h(
    "li",
    { class: "plan", "data-plan-id": plan.plan_id },
    h("h2", {}, plan.name),
    h("p", { class: "price" }, h("strong", {}, money(plan.price_cents)), t(" a month")),
    actionForm(
      {},
      subscribe,
      async () => {
        if (!session.token) return needsAccount("plans");
        const method = choice.value;
        const body = { plan_id: plan.plan_id, payment_method: method, ...(paysOnPage(method) ? returnUrls() : {}) };
        const created = await call(capsule.POST("/subscriptions", { body }));
        if (created.redirect_url) return toPaymentPage(created.redirect_url);
        say(t("Subscribed to {plan}: {status}.", { plan: plan.name, status: statusLabel(created.status).toLowerCase() }));
        return viewPlans();
      },
      session.token ? field(t("Pay with"), choice) : null,
      subscribe,
    ),
  );
}

export async function viewPlans(): Promise<void> {
  const plans = await call(capsule.GET("/plans"));
  const mine = h("section", { "aria-labelledby": "mine-title", id: "my-subscriptions" }, h("h2", { id: "mine-title" }, t("My subscription")));
  const methods = session.token
    ? (await call(capsule.GET("/payment-methods"))).items.filter((m) => !(m.type === "card" && m.expired))
    : [];
  const trial =
    plans.trial_days > 0
      ? t("Your first subscription starts with {days} days free: the card is collected now and charged when the trial ends.", { days: plans.trial_days })
      : t("Charged monthly.");
  show(
    t("Monthly plans"),
    h("p", {}, trial),
    h(
      "ul",
      { class: "plans" },
      plans.items.map((plan) => planCard(plan, methods)),
    ),
    mine,
  );
  if (!session.token) {
    mine.append(h("p", {}, h("a", { href: "#/account?next=plans" }, t("Sign in")), t(" to see your subscription.")));
    return;
  }
  const subscriptions = await call(capsule.GET("/subscriptions"));
  if (subscriptions.items.length === 0) mine.append(h("p", {}, t("No subscription yet.")));
  for (const sub of subscriptions.items.slice().reverse()) mine.append(subscriptionCard(sub));
}

function subscriptionCard(sub: Subscription): HTMLElement {
  let cancel: HTMLButtonElement | null = null;
  if (sub.status !== "cancelled" && !sub.cancel_at_period_end) {
    const button = h("button", { type: "button", class: "secondary" }, t("Cancel"));
    button.addEventListener("click", () =>
      void act(button, async () => {
        if (!window.confirm(t("Cancel {plan}?", { plan: sub.plan_name }))) return;
        await call(capsule.POST("/subscriptions/{subscription_id}/cancel", { path: { subscription_id: sub.subscription_id } }));
        say(t("{plan} cancelled.", { plan: sub.plan_name }));
        await viewPlans();
      }),
    );
    cancel = button;
  }
  return h(
    "article",
    { class: "subscription", "data-subscription-id": sub.subscription_id, "data-status": sub.status },
    h("h3", {}, t("{plan} — {price} a month ", { plan: sub.plan_name, price: money(sub.price_cents) }), h("span", { class: `state ${sub.status}` }, statusLabel(sub.status))),
    breakdown([
      sub.trial_ends_at ? [t("Free trial until"), date(sub.trial_ends_at)] : null,
      sub.current_period_end ? [sub.cancel_at_period_end ? t("Ends on") : t("Current period ends"), date(sub.current_period_end)] : null,
      [t("Next charge"), sub.next_charge_at ? date(sub.next_charge_at) : t("none")],
      [t("Charged to"), describeMethod(sub.payment_method)],
      sub.failed_attempts ? [t("Failed attempts"), String(sub.failed_attempts)] : null,
    ]),
    sub.charges.length
      ? h(
          "ul",
          { class: "items" },
          sub.charges.map((c) => h("li", {}, `${date(c.at)}: ${money(c.amount_cents)} ${t(c.status)}`)),
        )
      : null,
    cancel,
  );
}

// A subscription, as the buyer comes back from its payment page.
export async function viewSubscription(id: string, params: URLSearchParams): Promise<void> {
  if (!session.token) return needsAccount("plans");
  const box = h("div", { id: "subscription-outcome", "aria-busy": "true" }, h("p", {}, t("Confirming your subscription…")));
  show(t("Your subscription"), box, h("p", {}, h("a", { href: "#/plans" }, t("Plans and my subscription"))));
  const read = (): Promise<Subscription> => call(capsule.GET("/subscriptions/{subscription_id}", { path: { subscription_id: id } }));
  let sub = await read();
  for (let i = 0; sub.status === "incomplete" && sub.charges.length === 0 && params.get("return") === "success" && i < 30; i += 1) {
    await wait(1000);
    sub = await read();
  }
  box.setAttribute("aria-busy", "false");
  const ok = sub.status === "trialing" || sub.status === "active";
  say(ok ? t("Welcome to {plan}!", { plan: sub.plan_name }) : t("The subscription is not started: its payment was not completed."), { error: !ok, code: sub.status });
  box.replaceChildren(subscriptionCard(sub));
}
