// Providers and deployments, with each deployment's circuit-breaker state (GET
// /deployments/health). Provider API keys go in through a password field and never come
// back out: the API only says whether one is stored.
import { Elysia } from "elysia";
import { html, idFor, type Html } from "../kit/html.ts";
import { field, redirect } from "../kit/http.ts";
import { actionButton, badge, cellInput, csrfInput, selectField, textField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { seg } from "./api.ts";
import { PREFIX, savedFlash, type AdminConsole, type Operator } from "./core.ts";
import { circuitBadge } from "./models.ts";
import type { CircuitJson, DeploymentJson, ListJson, ModelJson, ProviderJson } from "./types.ts";

const KINDS = ["openai", "anthropic", "gemini", "openai-compatible"].map((k) => ({ value: k, label: k }));

/** Whole numbers go to the API as numbers; anything else as typed, for the API to reject by name. */
function int(form: URLSearchParams, name: string): number | string | undefined {
  const v = field(form, name);
  if (v === "") return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

function providerRows(providers: ProviderJson[], csrf: string): Html {
  return html`${providers.map((p) => {
    const formId = idFor("provider", p.id);
    return html`<tr>
<th scope="row" class="mono">${p.id}</th>
<td>${selectField({ name: "kind", id: idFor("kind", p.id), label: `Kind of ${p.id}`, options: KINDS, value: p.kind, form: formId, hidden: true })}</td>
<td>${cellInput({ name: "base_url", id: idFor("base", p.id), label: `Base URL of ${p.id}`, value: p.base_url, form: formId, className: "wide", type: "url" })}</td>
<td>${p.has_api_key ? badge("stored", "ok") : badge("none")} ${cellInput({ name: "api_key", id: idFor("key", p.id), label: `New API key for ${p.id}`, type: "password", form: formId, placeholder: "unchanged", autocomplete: "off" })}
<label class="small check"><input type="checkbox" name="remove_key" value="1" form="${formId}"> remove stored key</label></td>
<td class="actions"><form id="${formId}" method="post" action="${PREFIX}/providers/${seg(p.id)}">${csrfInput(csrf)}<button type="submit" class="small" aria-label="Save provider ${p.id}">Save</button></form></td>
</tr>`;
  })}`;
}

function deploymentRows(deployments: DeploymentJson[], circuits: Map<string, CircuitJson>, csrf: string): Html {
  return html`${deployments.map((d) => {
    const formId = idFor("dep", d.id);
    return html`<tr>
<th scope="row" class="mono small">${d.id}</th>
<td><a href="${PREFIX}/models/${seg(d.model_id)}">${d.model_id}</a></td>
<td>${d.provider_id}</td>
<td>${cellInput({ name: "upstream_model", id: idFor("up", d.id), label: `Upstream model of ${d.id}`, value: d.upstream_model, form: formId, className: "wide" })}</td>
<td>${cellInput({ name: "priority", id: idFor("prio", d.id), label: `Priority of ${d.id}`, value: String(d.priority), form: formId, inputmode: "numeric" })}</td>
<td>${cellInput({ name: "weight", id: idFor("weight", d.id), label: `Weight of ${d.id}`, value: String(d.weight), form: formId, inputmode: "numeric" })}</td>
<td>${circuitBadge(circuits.get(d.id))}</td>
<td class="actions"><form id="${formId}" method="post" action="${PREFIX}/deployments/${seg(d.id)}">${csrfInput(csrf)}<button type="submit" class="small" aria-label="Save deployment ${d.id}">Save</button></form>
${actionButton({ action: `${PREFIX}/deployments/${seg(d.id)}/delete`, csrf, label: "Remove", className: "danger small", ariaLabel: `Remove deployment ${d.id}`, confirm: `Remove deployment ${d.id}? Requests stop going there at once.` })}</td>
</tr>`;
  })}`;
}

export function providerPages(c: AdminConsole) {
  const render = async (op: Operator, flash: Flash | null, status = 200) => {
    const [providers, deployments, models, health] = await Promise.all([
      c.api.must<ListJson<ProviderJson>>("/providers", op.actor),
      c.api.must<ListJson<DeploymentJson>>("/deployments", op.actor),
      c.api.must<ListJson<ModelJson>>("/models", op.actor),
      c.api.get<ListJson<CircuitJson>>("/deployments/health", op.actor),
    ]);
    const circuits = new Map((health.ok ? health.data.data : []).map((x) => [x.deployment, x]));
    const open = [...circuits.values()].filter((x) => x.state !== "closed").length;
    const body = html`<h1>Providers and deployments</h1>
<p class="muted">A key set in the environment (PROVIDER_&lt;ID&gt;_API_KEY) wins over a stored one. Circuit states are this instance's view; ${open} deployment${open === 1 ? " is" : "s are"} cooling down.</p>
<div class="table-wrap"><table id="providers">
<caption>Providers</caption>
<thead><tr><th scope="col">Provider</th><th scope="col">Kind</th><th scope="col">Base URL</th><th scope="col">API key</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${providerRows(providers.data, op.csrf)}</tbody></table></div>
<details class="panel"><summary>Add a provider</summary>
<form class="stack" method="post" action="${PREFIX}/providers">${csrfInput(op.csrf)}
${textField({ name: "id", label: "Id", hint: "Lower case, digits, - and _.", required: true, autocomplete: "off" })}
${selectField({ name: "kind", id: "new-provider-kind", label: "Kind", options: KINDS, value: "openai-compatible" })}
${textField({ name: "base_url", label: "Base URL", type: "url", hint: "OpenAI-shaped kinds include the version (…/v1).", required: true })}
${textField({ name: "api_key", label: "API key", type: "password", autocomplete: "off" })}
<button type="submit">Add provider</button></form></details>
<div class="table-wrap"><table id="deployments">
<caption>Deployments (${deployments.data.length})</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Upstream model</th><th scope="col">Priority</th><th scope="col">Weight</th><th scope="col">Circuit</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${deploymentRows(deployments.data, circuits, op.csrf)}</tbody></table></div>
<details class="panel"><summary>Add a deployment</summary>
<form class="stack" method="post" action="${PREFIX}/deployments">${csrfInput(op.csrf)}
${selectField({ name: "model_id", id: "new-dep-model", label: "Model", options: models.data.map((m) => ({ value: m.id, label: m.id })) })}
${selectField({ name: "provider_id", id: "new-dep-provider", label: "Provider", options: providers.data.map((p) => ({ value: p.id, label: p.id })) })}
${textField({ name: "upstream_model", label: "Upstream model id", required: true })}
${textField({ name: "priority", label: "Priority", value: "0", inputmode: "numeric", hint: "Higher is tried first." })}
${textField({ name: "weight", label: "Weight", value: "1", inputmode: "numeric", hint: "Share of traffic within a priority." })}
<button type="submit">Add deployment</button></form></details>`;
    return c.page(op, { title: "Providers", current: `${PREFIX}/providers`, body, flash, status });
  };

  const done = (what: string) => redirect(`${PREFIX}/providers?saved=${encodeURIComponent(what)}`);

  return new Elysia()
    .get(`${PREFIX}/providers`, c.view(async (op) => render(op, savedFlash(op.url))), HIDDEN)
    .post(
      `${PREFIX}/providers`,
      c.action(async (op, form) => {
        const id = field(form, "id");
        const r = await c.api.call("POST", "/providers", op.actor, { id, kind: field(form, "kind"), base_url: field(form, "base_url"), api_key: field(form, "api_key") || undefined });
        return r.ok ? done(`provider ${id}`) : render(op, { kind: "bad", text: r.message }, r.status);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/providers/:id`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const current = (await c.api.must<ListJson<ProviderJson>>("/providers", op.actor)).data.find((p) => p.id === id);
        if (!current) return render(op, { kind: "bad", text: `No provider ${id}.` }, 404);
        const patch: Record<string, string | null> = {};
        const kind = field(form, "kind");
        const base = field(form, "base_url").replace(/\/+$/, "");
        if (kind && kind !== current.kind) patch.kind = kind;
        if (base && base !== current.base_url) patch.base_url = base;
        if (form.get("remove_key") === "1") patch.api_key = null;
        else if (field(form, "api_key")) patch.api_key = field(form, "api_key");
        if (Object.keys(patch).length === 0) return render(op, { kind: "info", text: `${id}: nothing changed.` });
        const r = await c.api.call("PATCH", `/providers/${seg(id)}`, op.actor, patch);
        return r.ok ? done(`provider ${id}`) : render(op, { kind: "bad", text: `${id}: ${r.message}` }, r.status);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/deployments`,
      c.action(async (op, form) => {
        const r = await c.api.call<DeploymentJson>("POST", "/deployments", op.actor, {
          model_id: field(form, "model_id"),
          provider_id: field(form, "provider_id"),
          upstream_model: field(form, "upstream_model"),
          priority: int(form, "priority"),
          weight: int(form, "weight"),
        });
        return r.ok ? done(`deployment ${r.data.id}`) : render(op, { kind: "bad", text: r.message }, r.status);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/deployments/:id`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const r = await c.api.call("PATCH", `/deployments/${seg(id)}`, op.actor, {
          upstream_model: field(form, "upstream_model") || undefined,
          priority: int(form, "priority"),
          weight: int(form, "weight"),
        });
        return r.ok ? done(`deployment ${id}`) : render(op, { kind: "bad", text: `${id}: ${r.message}` }, r.status);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/deployments/:id/delete`,
      c.action(async (op, _form, params) => {
        const id = params.id ?? "";
        const r = await c.api.call("DELETE", `/deployments/${seg(id)}`, op.actor);
        return r.ok ? done(`removed deployment ${id}`) : render(op, { kind: "bad", text: `${id}: ${r.message}` }, r.status);
      }),
      FORM,
    );
}
