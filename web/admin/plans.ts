// Plans and credit packs, edited inline. PATCH /plans/{id} applies new limits to every
// user on the plan at once; POST /packs creates or replaces a pack.
import { Elysia } from "elysia";
import { creditsToMicro } from "../../src/metering/money.ts";
import { creditsInput, periodLabel, rupiah } from "../kit/format.ts";
import { html, idFor, type Html } from "../kit/html.ts";
import { field, redirect } from "../kit/http.ts";
import { cellInput, csrfInput, selectField, textField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { seg } from "./api.ts";
import { PREFIX, savedFlash, type AdminConsole, type Operator } from "./core.ts";
import type { ListJson, PackJson, PlanJson } from "./types.ts";

const STATUS = [
  { value: "active", label: "active" },
  { value: "retired", label: "retired" },
];

const INT_FIELDS = ["price_idr", "rpm", "concurrency"] as const;

function planRow(p: PlanJson, csrf: string): Html {
  const formId = idFor("plan", p.id);
  const input = (name: string, label: string, value: string, mode = "numeric") =>
    cellInput({ name, id: idFor(name, p.id), label: `${label} of plan ${p.id}`, value, form: formId, inputmode: mode });
  return html`<tr>
<th scope="row" class="mono">${p.id}${p.is_trial ? html` <span class="badge">trial</span>` : ""}<div class="small muted">${rupiah(p.price_idr)} / ${periodLabel(p)}</div></th>
<td>${input("name", "Name", p.name, "text")}</td>
<td>${input("price_idr", "Price (IDR)", String(p.price_idr))}</td>
<td>${input("included_credits", "Included credits", creditsInput(p.included_micro), "decimal")}</td>
<td>${input("rpm", "Requests per minute", String(p.rpm))}</td>
<td>${input("concurrency", "Concurrency", String(p.concurrency))}</td>
<td>${input("spend_cap_credits", "Spend cap credits", String(p.spend_cap_credits), "decimal")}</td>
<td>${selectField({ name: "status", id: idFor("status", p.id), label: `Status of plan ${p.id}`, options: STATUS, value: p.status, form: formId, hidden: true })}</td>
<td class="actions"><form id="${formId}" method="post" action="${PREFIX}/plans/${seg(p.id)}">${csrfInput(csrf)}<button type="submit" class="small" aria-label="Save plan ${p.id}">Save</button></form></td>
</tr>`;
}

function packRow(p: PackJson, csrf: string): Html {
  const formId = idFor("pack", p.id);
  return html`<tr>
<th scope="row" class="mono">${p.id}</th>
<td>${cellInput({ name: "name", id: idFor("pname", p.id), label: `Name of pack ${p.id}`, value: p.name, form: formId, className: "wide" })}</td>
<td>${cellInput({ name: "price_idr", id: idFor("pprice", p.id), label: `Price (IDR) of pack ${p.id}`, value: String(p.price_idr), form: formId, inputmode: "numeric" })}</td>
<td>${cellInput({ name: "credits", id: idFor("pcredits", p.id), label: `Credits of pack ${p.id}`, value: String(p.credits), form: formId, inputmode: "decimal" })}</td>
<td>${selectField({ name: "status", id: idFor("pstatus", p.id), label: `Status of pack ${p.id}`, options: STATUS, value: p.status, form: formId, hidden: true })}</td>
<td class="actions"><form id="${formId}" method="post" action="${PREFIX}/packs">${csrfInput(csrf)}<input type="hidden" name="id" value="${p.id}"><button type="submit" class="small" aria-label="Save pack ${p.id}">Save</button></form></td>
</tr>`;
}

function sameCredits(sent: string, micro: number): boolean {
  try {
    return creditsToMicro(sent) === BigInt(micro);
  } catch {
    return false;
  }
}

function planPatch(p: PlanJson, form: URLSearchParams): Record<string, string | number> {
  const patch: Record<string, string | number> = {};
  const name = field(form, "name");
  if (name && name !== p.name) patch.name = name;
  for (const k of INT_FIELDS) {
    const v = field(form, k);
    // Typed numbers go as numbers; anything else as typed, for the API to name the field.
    if (v !== "" && v !== String(p[k])) patch[k] = /^\d+$/.test(v) ? Number(v) : v;
  }
  const included = field(form, "included_credits");
  if (included && !sameCredits(included, p.included_micro)) patch.included_credits = included;
  const cap = field(form, "spend_cap_credits");
  if (cap && cap !== String(p.spend_cap_credits)) patch.spend_cap_credits = cap;
  const status = field(form, "status");
  if (status && status !== p.status) patch.status = status;
  return patch;
}

export function planPages(c: AdminConsole) {
  const render = async (op: Operator, flash: Flash | null, status = 200) => {
    const [plans, packs] = await Promise.all([c.api.must<ListJson<PlanJson>>("/plans", op.actor), c.api.must<ListJson<PackJson>>("/packs", op.actor)]);
    const body = html`<h1>Plans and credit packs</h1>
<p class="muted">Prices are tax-inclusive rupiah. Limits: 0 means unlimited. A change applies at once to every user on the plan.</p>
<div class="table-wrap"><table id="plans">
<caption>Plans</caption>
<thead><tr><th scope="col">Plan</th><th scope="col">Name</th><th scope="col">Price (IDR)</th><th scope="col">Included credits</th><th scope="col">RPM</th><th scope="col">Concurrency</th><th scope="col">Spend cap</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${plans.data.map((p) => planRow(p, op.csrf))}</tbody></table></div>
<div class="table-wrap"><table id="packs">
<caption>Credit packs</caption>
<thead><tr><th scope="col">Pack</th><th scope="col">Name</th><th scope="col">Price (IDR)</th><th scope="col">Credits</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${packs.data.map((p) => packRow(p, op.csrf))}</tbody></table></div>
<details class="panel"><summary>Add a credit pack</summary>
<form class="stack" method="post" action="${PREFIX}/packs">${csrfInput(op.csrf)}
${textField({ name: "id", label: "Id", required: true, hint: "Lower case, digits, - and _." })}
${textField({ name: "name", label: "Name", required: true })}
${textField({ name: "price_idr", label: "Price (IDR, PPN included)", inputmode: "numeric", required: true })}
${textField({ name: "credits", label: "Credits", inputmode: "decimal", required: true })}
<input type="hidden" name="status" value="active">
<button type="submit">Save pack</button></form></details>`;
    return c.page(op, { title: "Plans", current: `${PREFIX}/plans`, body, flash, status });
  };

  return new Elysia()
    .get(`${PREFIX}/plans`, c.view(async (op) => render(op, savedFlash(op.url))), HIDDEN)
    .post(
      `${PREFIX}/plans/:id`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const current = await c.api.must<PlanJson>(`/plans/${seg(id)}`, op.actor);
        const patch = planPatch(current, form);
        if (Object.keys(patch).length === 0) return render(op, { kind: "info", text: `${id}: nothing changed.` });
        const r = await c.api.call<PlanJson & { users_updated: number }>("PATCH", `/plans/${seg(id)}`, op.actor, patch);
        if (!r.ok) return render(op, { kind: "bad", text: `${id}: ${r.message}` }, r.status);
        return redirect(`${PREFIX}/plans?saved=${encodeURIComponent(`plan ${id}, ${r.data.users_updated} users updated`)}`);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/packs`,
      c.action(async (op, form) => {
        const price = field(form, "price_idr");
        const r = await c.api.call<PackJson>("POST", "/packs", op.actor, {
          id: field(form, "id"),
          name: field(form, "name"),
          price_idr: /^\d+$/.test(price) ? Number(price) : price,
          credits: field(form, "credits"),
          status: field(form, "status") || "active",
        });
        if (!r.ok) return render(op, { kind: "bad", text: r.message }, r.status);
        return redirect(`${PREFIX}/plans?saved=${encodeURIComponent(`pack ${r.data.id}`)}`);
      }),
      FORM,
    );
}
