// Users: search, then one user's balance, plan, keys, orders and documents, with the
// operator's levers: adjust credits, put on a plan, cancel it, revoke a key.
import { Elysia } from "elysia";
import { randomUUID } from "node:crypto";
import { credits, rupiah, when } from "../kit/format.ts";
import { html, type Html } from "../kit/html.ts";
import { field, redirect } from "../kit/http.ts";
import { actionButton, badge, csrfInput, selectField, textField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { seg } from "./api.ts";
import { PREFIX, savedFlash, type AdminConsole, type Operator } from "./core.ts";
import { documentsTable, ordersTable } from "./orders.ts";
import type { InvoiceJson, KeyJson, ListJson, OrderJson, PlanJson, UserDetailJson, UserJson } from "./types.ts";

function planCell(u: UserJson): Html {
  if (!u.plan_id) return html`<span class="muted">none</span>`;
  return html`${u.plan_id} ${badge(u.plan_status ?? "?", u.plan_status === "active" ? "ok" : "")}`;
}

export function userPages(c: AdminConsole) {
  const search = async (op: Operator) => {
    const q = (op.url.searchParams.get("q") ?? "").trim().slice(0, 200);
    const users = await c.api.must<ListJson<UserJson>>(`/users?limit=100${q ? `&search=${encodeURIComponent(q)}` : ""}`, op.actor);
    const body = html`<h1>Users</h1>
<form class="inline" method="get" action="${PREFIX}/users" role="search">
${textField({ name: "q", label: "Search by email, name or id", value: q, type: "search" })}
<button type="submit">Search</button></form>
<div class="table-wrap"><table id="users">
<caption>${q ? `Users matching "${q}"` : "Newest users"} (${users.data.length})</caption>
<thead><tr><th scope="col">User</th><th scope="col">Id</th><th scope="col" class="n">Balance (credits)</th><th scope="col">Plan</th><th scope="col">Created</th></tr></thead>
<tbody>${
      users.data.length
        ? users.data.map(
            (u) =>
              html`<tr><td><a href="${PREFIX}/users/${seg(u.id)}">${u.email ?? u.name ?? "(no email)"}</a></td><td class="mono small">${u.id}</td><td class="n">${credits(u.balance_micro)}</td><td>${planCell(u)}</td><td>${when(u.created_at)}</td></tr>`,
          )
        : html`<tr><td colspan="5" class="muted">No user matches.</td></tr>`
    }</tbody></table></div>`;
    return c.page(op, { title: "Users", current: `${PREFIX}/users`, body });
  };

  const detail = async (op: Operator, id: string, flash: Flash | null, status = 200) => {
    const u = await c.api.must<UserDetailJson>(`/users/${seg(id)}`, op.actor);
    const [keys, orders, docs, plans] = await Promise.all([
      c.api.must<ListJson<KeyJson>>(`/users/${seg(id)}/keys`, op.actor),
      c.api.must<ListJson<OrderJson>>(`/orders?user_id=${encodeURIComponent(id)}&limit=50`, op.actor),
      c.api.must<ListJson<InvoiceJson>>(`/invoices?user_id=${encodeURIComponent(id)}`, op.actor),
      c.api.must<ListJson<PlanJson>>("/plans", op.actor),
    ]);
    const sub = u.subscription;
    const body = html`<p><a href="${PREFIX}/users">← Users</a></p>
<h1>${u.email ?? u.name ?? u.id}</h1>
<div class="stats">
<div class="stat"><div class="label">Balance</div><div class="value" id="user-balance">${credits(u.balance_micro)}</div><div class="small muted">credits</div></div>
<div class="stat"><div class="label">Plan</div><div class="value">${u.plan_id ?? "none"}</div><div class="small muted">${u.plan_status ?? ""}</div></div>
<div class="stat"><div class="label">User id</div><div class="mono small">${u.id}</div><div class="small muted">since ${when(u.created_at)}</div></div>
</div>
${
  sub
    ? html`<section class="panel"><h2>Subscription</h2><dl class="facts"><dt>Plan</dt><dd>${sub.plan_id}${sub.is_trial ? " (trial)" : ""}</dd><dt>Period</dt><dd>${when(sub.period_start)} – ${when(sub.period_end)}</dd><dt>Paid</dt><dd>${rupiah(sub.paid_idr)}</dd><dt>Cancels at period end</dt><dd>${sub.cancel_at_period_end ? "yes" : "no"}</dd>${u.next_subscription ? html`<dt>Next</dt><dd>${u.next_subscription.plan_id} from ${when(u.next_subscription.period_start)}</dd>` : ""}</dl>
${!sub.cancel_at_period_end ? actionButton({ action: `${PREFIX}/users/${seg(id)}/cancel`, csrf: op.csrf, label: "Cancel at period end", className: "danger small", confirm: "Cancel this user's plan at the end of its period?" }) : ""}</section>`
    : ""
}
<div class="grid">
<section class="panel"><h2>Adjust credits</h2>
<form class="stack" method="post" action="${PREFIX}/users/${seg(id)}/credits">${csrfInput(op.csrf)}
<input type="hidden" name="idempotency_key" value="${randomUUID()}">
${textField({ name: "credits", label: "Credits", hint: "Negative to take credits away, e.g. -5.5", inputmode: "decimal", required: true })}
${textField({ name: "reason", label: "Reason", hint: "Shown in the ledger and the audit log.", required: true })}
<button type="submit">Apply</button></form></section>
<section class="panel"><h2>Put on a plan</h2>
<form class="stack" method="post" action="${PREFIX}/users/${seg(id)}/plan">${csrfInput(op.csrf)}
${selectField({ name: "plan_id", id: "assign-plan", label: "Plan", options: plans.data.filter((p) => p.status === "active").map((p) => ({ value: p.id, label: `${p.name} (${rupiah(p.price_idr)})` })) })}
<label class="small check"><input type="checkbox" name="grant_credits" value="1" checked> Add the plan's included credits</label>
<button type="submit">Assign without payment</button></form></section>
</div>
<div class="table-wrap"><table id="user-keys">
<caption>API keys</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Status</th><th scope="col">Limits</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${
      keys.data.length
        ? keys.data.map(
            (k) =>
              html`<tr><td>${k.name ?? "unnamed"}</td><td class="mono">${k.prefix}…</td><td>${badge(k.status, k.status === "active" ? "ok" : "")}</td><td class="small">${k.rpm !== null ? `rpm ≤ ${k.rpm} ` : ""}${k.concurrency !== null ? `conc ≤ ${k.concurrency} ` : ""}${k.allowed_models ? `models: ${k.allowed_models.join(", ")}` : ""}</td><td>${when(k.created_at)}</td>
<td class="actions">${k.status === "active" ? actionButton({ action: `${PREFIX}/keys/${seg(k.id)}/revoke`, csrf: op.csrf, label: "Revoke", className: "danger small", ariaLabel: `Revoke key ${k.prefix}`, confirm: "Revoke this key? It stops working at once.", fields: { user_id: id } }) : ""}</td></tr>`,
          )
        : html`<tr><td colspan="6" class="muted">No keys.</td></tr>`
    }</tbody></table></div>
${ordersTable(orders.data.map((o) => ({ ...o, user_id: id })), "Orders")}
${documentsTable(docs.data)}`;
    return c.page(op, { title: u.email ?? u.id, current: `${PREFIX}/users`, body, flash, status });
  };

  const back = (id: string, what: string) => redirect(`${PREFIX}/users/${seg(id)}?saved=${encodeURIComponent(what)}`);

  return new Elysia()
    .get(`${PREFIX}/users`, c.view(search), HIDDEN)
    .get(`${PREFIX}/users/:id`, c.view(async (op, params) => detail(op, params.id ?? "", savedFlash(op.url))), HIDDEN)
    .post(
      `${PREFIX}/users/:id/credits`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const r = await c.api.call<{ applied: boolean; balance_micro: number }>("POST", `/users/${seg(id)}/credits`, op.actor, {
          credits: field(form, "credits"),
          reason: field(form, "reason"),
          idempotency_key: field(form, "idempotency_key") || undefined,
        });
        if (!r.ok) return detail(op, id, { kind: "bad", text: r.message }, r.status);
        return back(id, r.data.applied ? `credits, balance now ${credits(r.data.balance_micro)}` : "nothing (this form was already applied)");
      }),
      FORM,
    )
    .post(
      `${PREFIX}/users/:id/plan`,
      c.action(async (op, form, params) => {
        const id = params.id ?? "";
        const r = await c.api.call<{ refund_idr: number; credits_returned_micro: number }>("POST", `/users/${seg(id)}/subscription`, op.actor, {
          plan_id: field(form, "plan_id"),
          grant_credits: form.get("grant_credits") === "1",
        });
        if (!r.ok) return detail(op, id, { kind: "bad", text: r.message }, r.status);
        const refunded = r.data.refund_idr ? `, ${rupiah(r.data.refund_idr)} refunded to balance` : "";
        const taken = r.data.credits_returned_micro ? `, ${credits(r.data.credits_returned_micro)} included credits taken back` : "";
        return back(id, `plan ${field(form, "plan_id")}${refunded}${taken}`);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/users/:id/cancel`,
      c.action(async (op, _form, params) => {
        const id = params.id ?? "";
        const r = await c.api.call("POST", `/users/${seg(id)}/subscription/cancel`, op.actor);
        if (!r.ok) return detail(op, id, { kind: "bad", text: r.message }, r.status);
        return back(id, "plan canceled at period end");
      }),
      FORM,
    )
    .post(
      `${PREFIX}/keys/:id/revoke`,
      c.action(async (op, form, params) => {
        const userId = field(form, "user_id");
        const r = await c.api.call("DELETE", `/keys/${seg(params.id ?? "")}`, op.actor);
        if (!r.ok) return detail(op, userId, { kind: "bad", text: r.message }, r.status);
        return back(userId, "key revoked");
      }),
      FORM,
    );
}
