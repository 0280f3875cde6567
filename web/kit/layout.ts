// The page shell shared by both consoles and the form pieces every page uses: labelled
// fields with their errors tied to them (aria-describedby), alerts, the CSRF field.
import { assetUrl } from "./assets.ts";
import { CSRF_FIELD } from "./csrf.ts";
import { html, idFor, type Child, type Html } from "./html.ts";

export interface NavItem {
  href: string;
  label: string;
}

export interface Flash {
  kind: "ok" | "bad" | "info";
  text: string;
}

export interface Shell {
  /** "/app" or "/admin": where this console's assets live. */
  prefix: string;
  brand: string;
  title: string;
  nav: NavItem[];
  /** The nav entry to mark as the current page. */
  current?: string;
  /** Signed-in bar: who, and the logout form. */
  who?: { label: string; csrf: string; logoutAction: string };
  flash?: Flash | null;
  body: Html;
  /** Narrow centred layout for sign-in pages. */
  narrow?: boolean;
}

export function alert(flash: Flash | null | undefined): Html {
  if (!flash) return html``;
  // Errors interrupt (role=alert); confirmations are announced politely.
  return html`<div class="alert ${flash.kind}" role="${flash.kind === "bad" ? "alert" : "status"}">${flash.text}</div>`;
}

export function layout(s: Shell): Html {
  const nav = s.nav.length
    ? html`<nav class="main" aria-label="Main"><ul>${s.nav.map(
        (n) => html`<li><a href="${n.href}"${s.current === n.href ? html` aria-current="page"` : ""}>${n.label}</a></li>`,
      )}</ul></nav>`
    : html``;
  const who = s.who
    ? html`<div class="who"><span>${s.who.label}</span><form method="post" action="${s.who.logoutAction}">${csrfInput(s.who.csrf)}<button class="secondary small" type="submit">Sign out</button></form></div>`
    : html``;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${s.title} · ${s.brand}</title>
<link rel="stylesheet" href="${assetUrl(s.prefix, "console.css")}">
<script src="${assetUrl(s.prefix, "console.js")}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="top-inner"><a class="brand" href="${s.prefix}">${s.brand}</a>${nav}${who}</div></header>
<main id="main"${s.narrow ? html` class="auth"` : ""}>
<div id="live" class="visually-hidden" aria-live="polite"></div>
${alert(s.flash)}
${s.body}
</main>
</body>
</html>`;
}

export function csrfInput(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

export interface FieldSpec {
  name: string;
  label: string;
  type?: string;
  value?: string;
  hint?: string;
  error?: string | null;
  required?: boolean;
  autocomplete?: string;
  inputmode?: string;
  /** Defaults to "f-<name>". */
  id?: string;
  /** Associates the input with a form elsewhere in the page (table rows). */
  form?: string;
  min?: string;
  step?: string;
  pattern?: string;
  placeholder?: string;
}

function attrs(spec: FieldSpec): Child {
  const parts: Child[] = [];
  const add = (name: string, v: string | undefined) => {
    if (v !== undefined) parts.push(html` ${name}="${v}"`);
  };
  add("autocomplete", spec.autocomplete);
  add("inputmode", spec.inputmode);
  add("form", spec.form);
  add("min", spec.min);
  add("step", spec.step);
  add("pattern", spec.pattern);
  add("placeholder", spec.placeholder);
  if (spec.required) parts.push(html` required`);
  return parts;
}

/** A labelled input; the hint and the error are read out with it. */
export function textField(spec: FieldSpec): Html {
  const id = spec.id ?? idFor("f", spec.name);
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const described = [spec.hint ? hintId : null, spec.error ? errId : null].filter((x) => x !== null).join(" ");
  return html`<div class="field">
<label for="${id}">${spec.label}</label>
${spec.hint ? html`<span class="hint" id="${hintId}">${spec.hint}</span>` : ""}
<input id="${id}" name="${spec.name}" type="${spec.type ?? "text"}" value="${spec.value ?? ""}"${described ? html` aria-describedby="${described}"` : ""}${spec.error ? html` aria-invalid="true"` : ""}${attrs(spec)}>
${spec.error ? html`<span class="error-text" id="${errId}">${spec.error}</span>` : ""}
</div>`;
}

/** An input inside a table cell; its label is visually hidden but names it for screen readers. */
export function cellInput(spec: FieldSpec & { className?: string }): Html {
  const id = spec.id ?? idFor("f", spec.name);
  return html`<label class="visually-hidden" for="${id}">${spec.label}</label><input id="${id}" name="${spec.name}" type="${spec.type ?? "text"}" value="${spec.value ?? ""}"${spec.className ? html` class="${spec.className}"` : ""}${attrs(spec)}>`;
}

export interface Option {
  value: string;
  label: string;
}

export function selectField(spec: { name: string; label: string; options: Option[]; value?: string; id?: string; form?: string; hidden?: boolean }): Html {
  const id = spec.id ?? idFor("f", spec.name);
  const select = html`<select id="${id}" name="${spec.name}"${spec.form ? html` form="${spec.form}"` : ""}>${spec.options.map(
    (o) => html`<option value="${o.value}"${o.value === spec.value ? html` selected` : ""}>${o.label}</option>`,
  )}</select>`;
  return spec.hidden
    ? html`<label class="visually-hidden" for="${id}">${spec.label}</label>${select}`
    : html`<div class="field"><label for="${id}">${spec.label}</label>${select}</div>`;
}

export function badge(text: string, kind: "ok" | "bad" | "warn" | "" = ""): Html {
  return html`<span class="badge ${kind}">${text}</span>`;
}

/** A one-button form (revoke, cancel, ...) with its CSRF token. */
export function actionButton(opts: { action: string; csrf: string; label: string; className?: string; confirm?: string; fields?: Record<string, string>; ariaLabel?: string }): Html {
  return html`<form method="post" action="${opts.action}"${opts.confirm ? html` data-confirm="${opts.confirm}"` : ""}>${csrfInput(opts.csrf)}${Object.entries(
    opts.fields ?? {},
  ).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit" class="${opts.className ?? ""}"${opts.ariaLabel ? html` aria-label="${opts.ariaLabel}"` : ""}>${opts.label}</button></form>`;
}
