// Models and prices: the catalog with inline price editing (PATCH /models/{id}, which bumps
// the version, records the price history and reaches every instance), and one model's
// deployments and price history.
import { Elysia } from "elysia";
import { creditsToMicro } from "../../src/metering/money.ts";
import { credits, creditsInput, count, when } from "../kit/format.ts";
import { html, idFor, type Html } from "../kit/html.ts";
import { field, redirect } from "../kit/http.ts";
import { badge, cellInput, csrfInput, selectField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { seg } from "./api.ts";
import { PREFIX, savedFlash, type AdminConsole, type Operator } from "./core.ts";
import type { CircuitJson, ListJson, ModelDetailJson, ModelJson } from "./types.ts";

const PRICE_FIELDS = [
  { name: "input_price", key: "input", label: "Input" },
  { name: "output_price", key: "output", label: "Output" },
  { name: "cache_read_price", key: "cache_read", label: "Cache read" },
  { name: "cache_write_price", key: "cache_write", label: "Cache write" },
] as const;

const PRICE = /^\d+(\.\d{1,6})?$/;

const STATUS_OPTIONS = [
  { value: "active", label: "active" },
  { value: "retired", label: "retired" },
];

function row(m: ModelJson, csrf: string): Html {
  const formId = idFor("model", m.id);
  return html`<tr>
<th scope="row"><a href="${PREFIX}/models/${seg(m.id)}">${m.id}</a><div class="small muted">${m.class} · ${count(m.context_window)} ctx${m.flags.length ? ` · ${m.flags.join(", ")}` : ""}</div></th>
${PRICE_FIELDS.map(
  (f) =>
    html`<td>${cellInput({ name: f.name, id: idFor(f.name, m.id), label: `${f.label} price of ${m.id} (credits per 1M tokens)`, value: creditsInput(m.prices_micro[f.key]), form: formId, inputmode: "decimal", pattern: "\\d+(\\.\\d{1,6})?" })}</td>`,
)}
<td>${selectField({ name: "status", id: idFor("status", m.id), label: `Status of ${m.id}`, options: STATUS_OPTIONS, value: m.status, form: formId, hidden: true })}</td>
<td class="n">v${m.version}</td>
<td class="actions"><form id="${formId}" method="post" action="${PREFIX}/models/${seg(m.id)}">${csrfInput(csrf)}<button type="submit" class="small" aria-label="Save ${m.id}">Save</button></form></td>
</tr>`;
}

/** Only the fields that differ, so an unchanged price is not re-versioned. */
function changes(current: ModelJson, form: URLSearchParams): Record<string, string> {
  const patch: Record<string, string> = {};
  for (const f of PRICE_FIELDS) {
    const sent = field(form, f.name);
    if (sent === "") continue;
    let same = false;
    try {
      same = creditsToMicro(sent) === BigInt(current.prices_micro[f.key]);
    } catch {
      // Not a number: the API rejects it with its own message.
    }
    if (!same) patch[f.name] = sent;
  }
  const status = field(form, "status");
  if (status && status !== current.status) patch.status = status;
  return patch;
}

export function modelPages(c: AdminConsole) {
  const list = async (op: Operator, flash: Flash | null, status = 200) => {
    const models = (await c.api.must<ListJson<ModelJson>>("/models", op.actor)).data;
    const body = html`<h1>Models and prices</h1>
<p class="muted">Prices are credits per 1M tokens. Saving a row bumps the model's version, records it in the price history and reaches every gateway within a second; the next request is billed at the new price.</p>
<div class="table-wrap"><table id="models">
<caption>Catalog (${models.length} models)</caption>
<thead><tr><th scope="col">Model</th>${PRICE_FIELDS.map((f) => html`<th scope="col">${f.label}</th>`)}<th scope="col">Status</th><th scope="col" class="n">Version</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${models.map((m) => row(m, op.csrf))}</tbody>
</table></div>`;
    return c.page(op, { title: "Models", current: `${PREFIX}/models`, body, flash, status });
  };

  const detail = async (op: Operator, id: string) => {
    const m = await c.api.must<ModelDetailJson>(`/models/${seg(id)}`, op.actor);
    const circuits = (await c.api.get<ListJson<CircuitJson>>("/deployments/health", op.actor));
    const stateOf = new Map((circuits.ok ? circuits.data.data : []).map((x) => [x.deployment, x]));
    const body = html`<p><a href="${PREFIX}/models">← All models</a></p>
<h1>${m.display_name} <span class="muted small mono">${m.id}</span></h1>
<div class="stats">
${PRICE_FIELDS.map((f) => html`<div class="stat"><div class="label">${f.label} / 1M</div><div class="value">${credits(m.prices_micro[f.key])}</div></div>`)}
<div class="stat"><div class="label">Version</div><div class="value">v${m.version}</div></div>
</div>
<div class="table-wrap"><table id="deployments">
<caption>Deployments</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Provider</th><th scope="col">Upstream model</th><th scope="col" class="n">Priority</th><th scope="col" class="n">Weight</th><th scope="col">Circuit</th></tr></thead>
<tbody>${
      m.deployments.length
        ? m.deployments.map((dep) => {
            const s = stateOf.get(dep.id);
            return html`<tr><td class="mono">${dep.id}</td><td>${dep.provider_id}</td><td class="mono">${dep.upstream_model}</td><td class="n">${dep.priority}</td><td class="n">${dep.weight}</td><td>${circuitBadge(s)}</td></tr>`;
          })
        : html`<tr><td colspan="6" class="muted">No deployment: the model is listed but not callable.</td></tr>`
    }</tbody></table></div>
<div class="table-wrap"><table id="price-history">
<caption>Price history (credits per 1M tokens)</caption>
<thead><tr><th scope="col">Version</th><th scope="col" class="n">Input</th><th scope="col" class="n">Output</th><th scope="col" class="n">Cache read</th><th scope="col" class="n">Cache write</th><th scope="col">Status</th><th scope="col">By</th><th scope="col">When</th></tr></thead>
<tbody>${m.price_history
      .slice()
      .reverse()
      .map(
        (h) =>
          html`<tr><td>v${h.version}</td><td class="n">${h.input_price}</td><td class="n">${h.output_price}</td><td class="n">${h.cache_read_price}</td><td class="n">${h.cache_write_price}</td><td>${h.status}</td><td class="small">${h.actor}</td><td>${when(h.changed_at)}</td></tr>`,
      )}${
      (m.price_history[0]?.version ?? m.version + 1) > 1
        ? html`<tr><td colspan="8" class="muted small">Earlier versions come from the seeded catalog, before price history was kept; the <a href="${PREFIX}/audit?target=${encodeURIComponent(`model:${m.id}`)}">audit log</a> has every change's before and after.</td></tr>`
        : ""
    }</tbody></table></div>`;
    return c.page(op, { title: m.id, current: `${PREFIX}/models`, body });
  };

  return new Elysia()
    .get(`${PREFIX}/models`, c.view(async (op) => list(op, savedFlash(op.url))), HIDDEN)
    .get(`${PREFIX}/models/:id`, c.view(async (op, params) => detail(op, params.id ?? "")), HIDDEN)
    .post(
      `${PREFIX}/models/:id`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const current = await c.api.must<ModelJson>(`/models/${seg(id)}`, op.actor);
        const bad = PRICE_FIELDS.find((f) => field(form, f.name) !== "" && !PRICE.test(field(form, f.name)));
        if (bad) return list(op, { kind: "bad", text: `${id}: ${bad.label.toLowerCase()} price must be a number of credits with at most 6 decimals.` }, 400);
        const patch = changes(current, form);
        if (Object.keys(patch).length === 0) return list(op, { kind: "info", text: `${id}: nothing changed.` });
        const r = await c.api.call<ModelJson>("PATCH", `/models/${seg(id)}`, op.actor, patch);
        if (!r.ok) return list(op, { kind: "bad", text: `${id}: ${r.message}` }, r.status);
        return redirect(`${PREFIX}/models?saved=${encodeURIComponent(`${id} v${r.data.version}`)}`);
      }),
      FORM,
    );
}

export function circuitBadge(s: CircuitJson | undefined): Html {
  if (!s || s.state === "closed") return badge("closed", "ok");
  const left = s.until ? Math.max(0, Math.ceil((Date.parse(s.until) - Date.now()) / 1000)) : null;
  const until = left !== null ? ` for ${left}s` : "";
  return badge(`${s.state === "open" ? "open" : "half-open"}${until} · ${s.recent_failures} failures`, s.state === "open" ? "bad" : "warn");
}
