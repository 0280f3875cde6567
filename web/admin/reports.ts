// Audit log and usage reports, through GET /audit and GET /usage.
import { Elysia } from "elysia";
import { barChart, columnChart, dayLabels } from "../kit/chart.ts";
import { count, credits, when } from "../kit/format.ts";
import { html } from "../kit/html.ts";
import { HIDDEN } from "../kit/routes.ts";
import { textField } from "../kit/layout.ts";
import { PREFIX, type AdminConsole, type Operator } from "./core.ts";
import type { AuditJson, ListJson, UsageJson } from "./types.ts";

const PAGE = 50;
const DAY_MS = 86_400_000;
const TZ = "Asia/Jakarta";

function json(v: unknown): string {
  return v === null || v === undefined ? "" : JSON.stringify(v, null, 1);
}

export function reportPages(c: AdminConsole) {
  const audit = async (op: Operator) => {
    const q = op.url.searchParams;
    const filters = { action: (q.get("action") ?? "").trim(), target: (q.get("target") ?? "").trim(), actor: (q.get("actor") ?? "").trim() };
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
    const before = Number(q.get("before_id") ?? "");
    if (Number.isSafeInteger(before) && before > 0) params.set("before_id", String(before));
    const rows = (await c.api.must<ListJson<AuditJson>>(`/audit?${params}`, op.actor)).data;
    const older = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    if (rows.length === PAGE) older.set("before_id", String(rows.at(-1)!.id));
    const body = html`<h1>Audit log</h1>
<form class="inline" method="get" action="${PREFIX}/audit" role="search">
${textField({ name: "action", label: "Action starts with", value: filters.action, placeholder: "model." })}
${textField({ name: "target", label: "Target", value: filters.target })}
${textField({ name: "actor", label: "Actor", value: filters.actor })}
<button type="submit">Filter</button></form>
<div class="table-wrap"><table id="audit">
<caption>Changes, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Change</th></tr></thead>
<tbody>${
      rows.length
        ? rows.map(
            (a) => html`<tr><td>${when(a.at)}</td><td class="small">${a.actor}</td><td class="mono small">${a.action}</td><td class="mono small">${a.target ?? ""}</td>
<td>${a.before !== null || a.after !== null ? html`<details><summary>before / after</summary><pre>${json(a.before)}</pre><pre>${json(a.after)}</pre></details>` : ""}</td></tr>`,
          )
        : html`<tr><td colspan="5" class="muted">Nothing matches.</td></tr>`
    }</tbody></table></div>
${rows.length === PAGE ? html`<p><a class="button secondary" href="${PREFIX}/audit?${older.toString()}">Older entries</a></p>` : ""}`;
    return c.page(op, { title: "Audit", current: `${PREFIX}/audit`, body });
  };

  const usage = async (op: Operator) => {
    const asked = Number(op.url.searchParams.get("days") ?? "30");
    const days = [1, 7, 30, 90].includes(asked) ? asked : 30;
    const to = new Date(Date.now() + 1000);
    const from = new Date(to.getTime() - days * DAY_MS);
    const range = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&tz=${encodeURIComponent(TZ)}`;
    const [byDay, byModel, byUser] = await Promise.all(
      (["day", "model", "user"] as const).map((g) => c.api.must<UsageJson>(`/usage?group_by=${g}&${range}`, op.actor)),
    );
    const labels = dayLabels(from, to, TZ);
    const dayOf = new Map(byDay!.rows.map((r) => [r.key, r]));
    const t = byDay!.totals;
    const topUsers = [...byUser!.rows].sort((a, b) => b.cost_micro - a.cost_micro).slice(0, 20);
    const body = html`<h1>Usage</h1>
<nav aria-label="Period" class="row">${[1, 7, 30, 90].map(
      (n) => html`<a class="button ${n === days ? "" : "secondary"} small" href="${PREFIX}/usage?days=${n}"${n === days ? html` aria-current="true"` : ""}>${n === 1 ? "24 hours" : `${n} days`}</a>`,
    )}</nav>
<div class="stats spaced">
<div class="stat"><div class="label">Requests</div><div class="value">${count(t.requests)}</div></div>
<div class="stat"><div class="label">Billed</div><div class="value">${credits(t.cost_micro)}</div><div class="small muted">credits</div></div>
<div class="stat"><div class="label">Input tokens</div><div class="value">${count(t.input_tokens + t.cache_read_tokens + t.cache_write_tokens)}</div></div>
<div class="stat"><div class="label">Output tokens</div><div class="value">${count(t.output_tokens)}</div></div>
</div>
<div class="charts">
${columnChart({ id: "chart-spend", title: "Billed per day (credits)", labels, series: [{ name: "Billed", className: "s1", values: labels.map((l) => dayOf.get(l)?.cost_micro ?? 0) }], format: (n) => credits(Math.round(n)) })}
${barChart({ id: "chart-models", title: "Billed by model (credits)", items: byModel!.rows.map((r) => ({ label: r.key || "—", value: r.cost_micro })), format: (n) => credits(Math.round(n)) })}
</div>
<div class="table-wrap"><table id="usage-by-model"><caption>By model</caption>
<thead><tr><th scope="col">Model</th><th scope="col" class="n">Requests</th><th scope="col" class="n">Input</th><th scope="col" class="n">Output</th><th scope="col" class="n">Credits</th></tr></thead>
<tbody>${byModel!.rows.map((r) => html`<tr><td>${r.key || "—"}</td><td class="n">${count(r.requests)}</td><td class="n">${count(r.input_tokens)}</td><td class="n">${count(r.output_tokens)}</td><td class="n">${credits(r.cost_micro)}</td></tr>`)}</tbody></table></div>
<div class="table-wrap"><table id="usage-by-user"><caption>Top users</caption>
<thead><tr><th scope="col">User</th><th scope="col" class="n">Requests</th><th scope="col" class="n">Credits</th></tr></thead>
<tbody>${topUsers.map((r) => html`<tr><td class="mono small"><a href="${PREFIX}/users/${encodeURIComponent(r.key)}">${r.key}</a></td><td class="n">${count(r.requests)}</td><td class="n">${credits(r.cost_micro)}</td></tr>`)}</tbody></table></div>`;
    return c.page(op, { title: "Usage", current: `${PREFIX}/usage`, body });
  };

  return new Elysia().get(`${PREFIX}/audit`, c.view(audit), HIDDEN).get(`${PREFIX}/usage`, c.view(usage), HIDDEN);
}
