// The status line under the header: what just happened, or what went wrong. A message
// belongs to the view it is said on; only one said while moving to another view
// (`goSaying`) is shown there.
import { explain, isShopError } from "./api.js";
import { go, h, type Child } from "./dom.js";
import { t } from "./i18n.js";

interface Said {
  message: string;
  error?: boolean;
  code?: string;
}

let carried: Said | null = null;

export function say(message: string, { error = false, code = "" }: Omit<Said, "message"> = {}): void {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = message;
  status.classList.toggle("error", error);
  status.dataset.code = code;
}

/** Moves to the view at `hash` and says `said` there. */
export function goSaying(hash: string, said: Said): void {
  carried = said;
  go(hash);
}

/** A new view starts with what was said on the way to it, else with nothing. */
export function startView(): void {
  const said = carried ?? { message: "" };
  carried = null;
  say(said.message, said);
}

export function fail(error: unknown): void {
  if (!isShopError(error)) {
    console.error(error);
    say(t("Something went wrong in the page."), { error: true, code: "script" });
    return;
  }
  const said = { message: explain(error.error), error: true, code: error.code };
  if (error.status === 401) goSaying("#/account", said);
  else say(said.message, said);
  markField(error.error.code === "invalid_request" ? error.error.details?.field : undefined);
}

/** Marks the input the API refused (its `data-field` is the refusal's JSON pointer) and
 *  puts the cursor there; typing in it clears the mark. */
function markField(pointer: string | undefined): void {
  for (const marked of document.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
  if (!pointer) return;
  const input = document.querySelector<HTMLElement>(`[data-field="${CSS.escape(pointer)}"]`);
  if (!input) return;
  input.setAttribute("aria-invalid", "true");
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"), { once: true });
  input.focus();
}

/** Runs an action from a button or form: the control disabled while it runs, errors said. */
export async function act<T>(control: HTMLButtonElement | null, action: () => Promise<T>): Promise<T | undefined> {
  if (control) control.disabled = true;
  try {
    return await action();
  } catch (error) {
    fail(error);
    return undefined;
  } finally {
    if (control) control.disabled = false;
  }
}

/** A form whose submission runs `action`, its button disabled meanwhile, errors said. */
export function actionForm(
  attrs: Record<string, string>,
  button: HTMLButtonElement,
  action: () => Promise<unknown>,
  ...children: Child[]
): HTMLFormElement {
  const onsubmit = (event: Event): void => {
    event.preventDefault();
    void act(button, action);
  };
  return h("form", { ...attrs, onsubmit }, ...children);
}
