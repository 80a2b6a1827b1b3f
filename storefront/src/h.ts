// Elements from attributes and children: the storefront's and the console's pages are built
// with it (no other import, so the console takes it alone).
type Handler = (event: Event) => void;
/** Attributes; `on…` ones are listeners, `false`/`null`/`undefined` ones are left out. */
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler>;
export type Child = Node | string | number | null | undefined | false | readonly Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of flat(children)) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function flat(children: readonly Child[]): (Node | string | number)[] {
  return children.flatMap((child) => {
    if (child === null || child === undefined || child === false) return [];
    return Array.isArray(child) ? flat(child) : [child as Node | string | number];
  });
}
