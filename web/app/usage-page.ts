// Usage from the ledger: spend and tokens per day and per model (db/reports.ts usageReport,
// the admin usage API's function) and the latest requests with their cost. Read from
// Postgres after the flusher wrote them, so a request shows up a second or so after it ends.
import { Elysia } from "elysia";
import { listKeys } from "../../db/accounts.ts";
import { usageReport, type UsageRow } from "../../db/reports.ts";
import { barChart, columnChart, dayLabels } from "../kit/chart.ts";
import { count, credits, usd, when } from "../kit/format.ts";
import { html, type Html } from "../kit/html.ts";
import { HIDDEN } from "../kit/routes.ts";
import { recentRequests, type RecentRequest } from "./queries.ts";
import { PREFIX, type Dashboard, type Signed } from "./core.ts";

const DAY_MS = 86_400_000;
const RANGES = [7, 30, 90];
/** Days are Jakarta days, as on the invoices. */
const TZ = "Asia/Jakarta";

function rangeNav(days: number): Html {
  return html`<nav aria-label="Period" class="row">${RANGES.map(
    (n) => html`<a class="button ${n === days ? "" : "secondary"}" href="${PREFIX}/usage?days=${n}"${n === days ? html` aria-current="true"` : ""}>${n} days</a>`,
  )}</nav>`;
}

function modelTable(rows: (UsageRow & { key: string })[]): Html {
  return html`<div class="table-wrap"><table id="usage-by-model">
<caption>By model</caption>
<thead><tr><th scope="col">Model</th><th scope="col" class="n">Requests</th><th scope="col" class="n">Input tokens</th><th scope="col" class="n">Output tokens</th><th scope="col" class="n">Cache reads</th><th scope="col" class="n">Cost (credits)</th></tr></thead>
<tbody>${
    rows.length
      ? rows.map(
          (r) =>
            html`<tr><td>${r.key || "—"}</td><td class="n">${count(r.requests)}</td><td class="n">${count(r.input_tokens)}</td><td class="n">${count(r.output_tokens)}</td><td class="n">${count(r.cache_read_tokens)}</td><td class="n">${credits(r.cost_micro)}</td></tr>`,
        )
      : html`<tr><td colspan="6" class="muted">No requests in this period.</td></tr>`
  }</tbody></table></div>`;
}

function recentTable(rows: RecentRequest[], keyNames: Map<string, string>): Html {
  return html`<div class="table-wrap"><table id="recent-requests">
<caption>Recent requests</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Model</th><th scope="col">Key</th><th scope="col" class="n">Input</th><th scope="col" class="n">Output</th><th scope="col" class="n">Cost (credits)</th><th scope="col">Request id</th></tr></thead>
<tbody>${
    rows.length
      ? rows.map(
          (r) => html`<tr>
<td>${when(r.at)}</td><td>${r.modelId ?? "—"}</td><td class="mono">${r.keyId ? (keyNames.get(r.keyId) ?? r.keyId) : "—"}</td>
<td class="n">${count(r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens)}</td><td class="n">${count(r.outputTokens)}</td>
<td class="n">${credits(r.costMicro)}${r.estimated ? html` <span class="badge warn" title="Estimated: the stream ended before its usage report">est.</span>` : ""}${r.status !== "ok" ? html` <span class="badge">${r.status}</span>` : ""}</td>
<td class="mono small">${r.requestId}</td></tr>`,
        )
      : html`<tr><td colspan="7" class="muted">No requests yet. Make one with your key; it appears here within a few seconds.</td></tr>`
  }</tbody></table></div>`;
}

export function usagePages(d: Dashboard) {
  const render = async (ctx: Signed) => {
    const asked = Number(ctx.url.searchParams.get("days") ?? "30");
    const days = RANGES.includes(asked) ? asked : 30;
    const to = new Date(Date.now() + 1000);
    const from = new Date(to.getTime() - days * DAY_MS);
    const database = d.deps.reports ?? ctx.billing.database;
    const filter = { from, to, tz: TZ, userId: ctx.user.id };
    const [byDay, byModel, recent, keys] = await Promise.all([
      usageReport(database, { ...filter, groupBy: "day" }),
      usageReport(database, { ...filter, groupBy: "model" }),
      recentRequests(database, ctx.user.id, 50),
      listKeys(ctx.billing.database, ctx.user.id),
    ]);
    const labels = dayLabels(from, to, TZ);
    const dayOf = new Map(byDay.rows.map((r) => [r.key, r]));
    const series = (pick: (r: UsageRow) => number) => labels.map((l) => { const r = dayOf.get(l); return r ? pick(r) : 0; });
    const keyNames = new Map(keys.map((k) => [k.id, `${k.name ?? "key"} (${k.prefix}…)`]));
    const t = byDay.totals;
    const body = html`<h1>Usage</h1>
${rangeNav(days)}
<div class="stats spaced">
<div class="stat"><div class="label">Requests</div><div class="value">${count(t.requests)}</div></div>
<div class="stat"><div class="label">Spent</div><div class="value">${credits(t.cost_micro)} <span class="small muted">credits</span></div><div class="small muted">${usd(t.cost_micro, d.deps.config.creditUsd)}</div></div>
<div class="stat"><div class="label">Input tokens</div><div class="value">${count(t.input_tokens + t.cache_read_tokens + t.cache_write_tokens)}</div></div>
<div class="stat"><div class="label">Output tokens</div><div class="value">${count(t.output_tokens)}</div></div>
</div>
<div class="charts">
${columnChart({ id: "chart-spend", title: `Spend per day (credits, last ${days} days)`, labels, series: [{ name: "Spend", className: "s1", values: series((r) => r.cost_micro) }], format: (n) => credits(Math.round(n)) })}
${columnChart({
  id: "chart-tokens",
  title: `Tokens per day (last ${days} days)`,
  labels,
  series: [
    { name: "Input", className: "s1", values: series((r) => r.input_tokens + r.cache_read_tokens + r.cache_write_tokens) },
    { name: "Output", className: "s2", values: series((r) => r.output_tokens) },
  ],
  format: (n) => count(n),
})}
</div>
${barChart({ id: "chart-models", title: "Spend by model (credits)", items: byModel.rows.map((r) => ({ label: r.key || "—", value: r.cost_micro })), format: (n) => credits(Math.round(n)) })}
${modelTable(byModel.rows)}
${recentTable(recent, keyNames)}
<p class="muted small">Usage is recorded when a request ends and shows here within a few seconds. Days are in WIB (Asia/Jakarta).</p>`;
    return d.page(ctx, { title: "Usage", current: `${PREFIX}/usage`, body });
  };
  return new Elysia().get(`${PREFIX}/usage`, d.view(render), HIDDEN);
}
