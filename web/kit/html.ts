// HTML built from tagged templates that escape every interpolated value unless it is
// already Html. Pages are composed from these, so forgetting to escape takes effort.

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Child = Html | string | number | bigint | boolean | null | undefined | readonly Child[];

function render(child: Child): string {
  if (child instanceof Html) return child.value;
  if (Array.isArray(child)) return child.map(render).join("");
  // false/null/undefined render nothing, so `${cond && html`...`}` reads naturally.
  if (child === null || child === undefined || child === false || child === true) return "";
  return escapeHtml(String(child));
}

export function html(strings: TemplateStringsArray, ...values: Child[]): Html {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? "");
  return new Html(out);
}

/** Trusted markup (our own renderers' output); never user input. */
export function raw(markup: string): Html {
  return new Html(markup);
}

/** A stable, unique id from any string (model ids hold dots and slashes). */
export function idFor(prefix: string, value: string): string {
  // "_" is escaped too, so two different values never map to the same id.
  return `${prefix}-${value.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
}
