// Building the page: elements, formats, moving between views.
import { h } from "./h.js";
import { lang, t } from "./i18n.js";

export { h, type Attrs, type Child } from "./h.js";

/** An amount as the page's language writes it: "1\u00a0234,50\u00a0€" in French, "€1,234.50" in English. */
export function money(cents: number): string {
  const sign = cents < 0 ? "−" : "";
  const abs = Math.abs(cents);
  const french = lang() === "fr";
  const euros = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, french ? "\u00a0" : ",");
  const hundredths = String(abs % 100).padStart(2, "0");
  return french ? `${sign}${euros},${hundredths}\u00a0€` : `${sign}€${euros}.${hundredths}`;
}

export const date = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString(lang() === "fr" ? "fr-FR" : "en-GB", { dateStyle: "medium", timeStyle: "short" }) : "";

const STATUS_LABELS: Record<string, string> = {
  pending_payment: "Awaiting payment",
  paid: "Paid",
  payment_failed: "Payment failed",
  expired: "Expired",
  cancelled: "Cancelled",
  incomplete: "Incomplete",
  trialing: "Free trial",
  active: "Active",
  past_due: "Past due",
  suspended: "Suspended",
};
export const statusLabel = (status: string): string => t(STATUS_LABELS[status] ?? status);

export function main(): HTMLElement {
  const node = document.getElementById("main");
  if (!node) throw new Error("the page has no <main id=main>");
  return node;
}

export function show(title: string, ...content: Node[]): void {
  const heading = h("h1", { tabindex: "-1" }, title);
  main().replaceChildren(heading, ...content);
  document.title = `${title} — Le Djoor`;
  document.documentElement.lang = lang();
  heading.focus();
}

/** Moves to the view at `hash` (shown again when it is the current one). */
export function go(hash: string): void {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

export function field(label: string, input: HTMLElement, hint?: string): HTMLDivElement {
  const id = input.id || `f-${Math.random().toString(36).slice(2)}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("small", {}, hint) : null);
}

export const wait = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
