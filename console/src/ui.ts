// The page's parts: the status line, views, forms tied to the API's refusals, formats.
import { h, type Child } from "../../storefront/src/h.js";
import { explain, fieldOf, isConsoleError, problem, session } from "./api.js";
import { money } from "./money.js";

export { h, money, type Child };

export function main(): HTMLElement {
  const node = document.getElementById("main");
  if (!node) throw new Error("the page has no <main id=main>");
  return node;
}

export function show(title: string, ...content: Child[]): void {
  const heading = h("h1", { tabindex: "-1" }, title);
  main().replaceChildren(heading, h("div", {}, ...content));
  document.title = `${title} — Capsule console`;
  heading.focus();
}

/** Moves to the view at `hash` (shown again when it is the current one). */
export function go(hash: string): void {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

// ---------------------------------------------------------------- the status line
let carried: { message: string; error: boolean } | null = null;

export function say(message: string, error = false, code = ""): void {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = message;
  status.classList.toggle("error", error);
  status.dataset.code = code;
}

/** Moves to `hash` and says `message` there. */
export function goSaying(hash: string, message: string, error = false): void {
  carried = { message, error };
  go(hash);
}

/** A view starts with what was said on the way to it, else with nothing. */
export function startView(): void {
  const said = carried ?? { message: "", error: false };
  carried = null;
  say(said.message, said.error);
}

/** Says what went wrong; a refusal naming a field marks it within `scope` (the form sent). */
export function fail(error: unknown, scope: ParentNode = document): void {
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
  markField(scope, error.error.code === "invalid_request" ? fieldOf(error.error) : undefined, message);
}

/** Undoes the last mark: the input as it was before. */
let unmark: () => void = () => undefined;

/** Marks the input the API refused (its `data-field` is the refusal's JSON pointer), ties
 *  the message to it and puts the cursor there; typing in it clears the mark. */
function markField(scope: ParentNode, pointer: string | undefined, message: string): void {
  unmark();
  if (!pointer) return;
  const selector = `[data-field="${CSS.escape(pointer)}"]`;
  // A form's inputs may stand outside it (`form=` attribute): the refund's units, in the lines.
  const input = scope.querySelector<HTMLElement>(selector) ?? document.querySelector<HTMLElement>(selector);
  if (!input) return;
  const note = h("small", { class: "field-error", id: `${input.id || "field"}-error` }, message);
  input.after(note);
  const hint = input.getAttribute("aria-describedby");
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", hint ? `${note.id} ${hint}` : note.id);
  const clear = (): void => {
    input.removeAttribute("aria-invalid");
    if (hint) input.setAttribute("aria-describedby", hint);
    else input.removeAttribute("aria-describedby");
    note.remove();
    if (unmark === clear) unmark = () => undefined;
  };
  unmark = clear;
  input.addEventListener("input", clear, { once: true });
  input.focus();
}

/** Runs an action from a button or form: the control disabled while it runs, errors said. */
export async function act<T>(control: HTMLButtonElement | null, action: () => Promise<T>, scope: ParentNode = document): Promise<T | undefined> {
  if (control) control.disabled = true;
  try {
    return await action();
  } catch (error) {
    fail(error, scope);
    return undefined;
  } finally {
    if (control) control.disabled = false;
  }
}

/** A form whose submission runs `action`, its submit button disabled meanwhile. */
export function form(attrs: Record<string, string>, submit: string, action: () => Promise<unknown>, ...children: Child[]): HTMLFormElement {
  const button = h("button", { type: "submit", id: attrs.id ? `${attrs.id}-submit` : undefined }, submit);
  const onsubmit = (event: Event): void => {
    event.preventDefault();
    void act(button, action, event.currentTarget as HTMLFormElement);
  };
  return h("form", { ...attrs, onsubmit, novalidate: true }, ...children, h("div", { class: "actions" }, button));
}

/** A labelled input; `pointer` is the JSON pointer the API names it by when it refuses it. */
export function field(label: string, input: HTMLElement, pointer?: string, hint?: string): HTMLDivElement {
  if (pointer !== undefined) input.dataset.field = pointer;
  const hintId = hint ? `${input.id}-hint` : undefined;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input, hint ? h("small", { id: hintId }, hint) : null);
}

export const input = (id: string, attrs: Record<string, string | number | boolean | undefined> = {}): HTMLInputElement =>
  h("input", { id, name: id, ...attrs });

export function select(id: string, options: readonly (readonly [string, string])[], chosen = ""): HTMLSelectElement {
  return h("select", { id, name: id }, ...options.map(([value, label]) => h("option", { value, selected: value === chosen }, label)));
}

/** A table with a caption (for screen readers and a phone's stacked rows: `data-label`). */
export function table(caption: string, headings: readonly string[], rows: readonly HTMLTableRowElement[], attrs: Record<string, string> = {}): HTMLTableElement {
  for (const row of rows) labelCells(row, headings);
  return h(
    "table",
    { class: "grid", ...attrs },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...headings.map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, ...rows),
  );
}

export function labelCells(row: HTMLTableRowElement, headings: readonly string[]): void {
  [...row.cells].forEach((cell, i) => {
    cell.dataset.label = headings[i] ?? "";
  });
}

/** A "More" button that appends the next page's rows to `body` until there is none. */
export function more<Item>(body: HTMLElement, headings: readonly string[], next: string | null, load: (cursor: string) => Promise<{ items: Item[]; next_cursor: string | null }>, row: (item: Item) => HTMLTableRowElement): HTMLElement {
  const button = h("button", { type: "button", class: "secondary", hidden: next === null }, "More");
  let cursor = next;
  button.addEventListener("click", () =>
    void act(button, async () => {
      if (cursor === null) return;
      const page = await load(cursor);
      for (const item of page.items) {
        const tr = row(item);
        labelCells(tr, headings);
        body.append(tr);
      }
      cursor = page.next_cursor;
      button.hidden = cursor === null;
    }),
  );
  return button;
}

// ---------------------------------------------------------------- values in and out
/** Euros typed by the operator ("12", "12.5", "12,50") as cents; refused with the field named. */
export function cents(text: string, pointer: string, label: string): number {
  const match = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) throw problem(`${label}: write an amount in euros, like 12.50.`, pointer);
  return Number(match[1]) * 100 + Number((match[2] ?? "0").padEnd(2, "0"));
}

/** A whole number typed by the operator; refused with the field named. */
export function whole(text: string, pointer: string, label: string): number {
  if (!/^\s*\d{1,9}\s*$/.test(text)) throw problem(`${label}: write a whole number.`, pointer);
  return Number(text);
}

export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }) : "";

/** A `datetime-local` input's value as RFC 3339 (the browser's time zone); refused when empty. */
export function instant(value: string, pointer: string, label: string): string {
  const at = new Date(value);
  if (!value || Number.isNaN(at.getTime())) throw problem(`${label}: choose a date and time.`, pointer);
  return at.toISOString();
}

/** An RFC 3339 time as a `datetime-local` input's value, in the browser's time zone. */
export function local(iso: string): string {
  const at = new Date(iso);
  const shifted = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export const badge = (state: string): HTMLSpanElement => h("span", { class: `state ${state}` }, state.replace(/_/g, " "));
