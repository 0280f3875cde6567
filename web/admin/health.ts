// Health of this instance: readiness (what GET /readyz answers), the ledger lag from the
// hot store, request outcomes and error rates from the Prometheus counters, open circuits.
import { Elysia } from "elysia";
import { count } from "../kit/format.ts";
import { html } from "../kit/html.ts";
import { badge } from "../kit/layout.ts";
import { HIDDEN } from "../kit/routes.ts";
import { PREFIX, type AdminConsole, type Operator } from "./core.ts";
import { circuitBadge } from "./models.ts";
import type { CircuitJson, ListJson } from "./types.ts";

interface Outcomes {
  total: number;
  client: number;
  server: number;
}

/** "1.25 %" from counts, in integer hundredths of a percent. */
function rate(part: number, total: number): string {
  if (total === 0) return "—";
  const bp = Math.round((part * 10_000) / total);
  return `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, "0")} %`;
}

function seconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

function uptime(s: number): string {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

export function healthPages(c: AdminConsole) {
  const render = async (op: Operator) => {
    const { admin, metrics } = c.deps;
    const [ready, dbOk, storeOk, lag, requests, retries, fallbacks, health] = await Promise.all([
      c.deps.ready().catch(() => false),
      admin.database.ping(),
      admin.store.ping(),
      admin.store.ledgerLag(Date.now()).catch(() => null),
      metrics.requests.get(),
      metrics.retries.get(),
      metrics.fallbacks.get(),
      c.api.get<ListJson<CircuitJson>>("/deployments/health", op.actor),
    ]);
    const byEndpoint = new Map<string, Outcomes>();
    const all: Outcomes = { total: 0, client: 0, server: 0 };
    for (const v of requests.values) {
      const endpoint = String(v.labels.endpoint ?? "?");
      const e = byEndpoint.get(endpoint) ?? { total: 0, client: 0, server: 0 };
      const status = String(v.labels.status ?? "");
      for (const o of [e, all]) {
        o.total += v.value;
        if (status === "4xx") o.client += v.value;
        if (status === "5xx") o.server += v.value;
      }
      byEndpoint.set(endpoint, e);
    }
    const sum = (vs: { value: number }[]) => vs.reduce((s, v) => s + v.value, 0);
    const circuits = health.ok ? health.data.data.filter((x) => x.state !== "closed") : [];
    const up = Math.floor((Date.now() - c.deps.startedAt) / 1000);
    const body = html`<h1>Health</h1>
<div class="stats">
<div class="stat"><div class="label">Readiness</div><div class="value" id="readiness">${ready ? badge("ready", "ok") : badge("not ready", "bad")}</div><div class="small muted">database ${dbOk ? "up" : "down"} · hot store ${storeOk ? "up" : "down"}</div></div>
<div class="stat"><div class="label">Ledger lag</div><div class="value" id="ledger-lag">${lag ? `${count(lag.pending)} entries` : "unknown"}</div><div class="small muted">${lag && lag.pending > 0 ? `oldest ${seconds(lag.oldestAgeMs)}` : "all written to Postgres"}</div></div>
<div class="stat"><div class="label">Server errors (5xx)</div><div class="value" id="error-rate">${rate(all.server, all.total)}</div><div class="small muted">${count(all.server)} of ${count(all.total)} requests</div></div>
<div class="stat"><div class="label">Client errors (4xx)</div><div class="value">${rate(all.client, all.total)}</div><div class="small muted">${count(all.client)} requests</div></div>
<div class="stat"><div class="label">Retries / fallbacks</div><div class="value">${count(sum(retries.values))} / ${count(sum(fallbacks.values))}</div></div>
<div class="stat"><div class="label">Uptime</div><div class="value">${uptime(up)}</div></div>
</div>
<p class="muted small">Counts are this instance's since it started; Prometheus scrapes the same counters at <a href="/metrics">/metrics</a> for rates over time.</p>
<div class="table-wrap"><table id="endpoints"><caption>Requests by endpoint</caption>
<thead><tr><th scope="col">Endpoint</th><th scope="col" class="n">Requests</th><th scope="col" class="n">4xx</th><th scope="col" class="n">5xx</th><th scope="col" class="n">5xx rate</th></tr></thead>
<tbody>${
      byEndpoint.size
        ? [...byEndpoint.entries()].map(
            ([e, o]) => html`<tr><td class="mono">${e}</td><td class="n">${count(o.total)}</td><td class="n">${count(o.client)}</td><td class="n">${count(o.server)}</td><td class="n">${rate(o.server, o.total)}</td></tr>`,
          )
        : html`<tr><td colspan="5" class="muted">No requests yet.</td></tr>`
    }</tbody></table></div>
<div class="table-wrap"><table id="circuits"><caption>Deployments cooling down</caption>
<thead><tr><th scope="col">Deployment</th><th scope="col">Circuit</th></tr></thead>
<tbody>${
      circuits.length
        ? circuits.map((x) => html`<tr><td class="mono">${x.deployment}</td><td>${circuitBadge(x)}</td></tr>`)
        : html`<tr><td colspan="2" class="muted">Every circuit is closed.</td></tr>`
    }</tbody></table></div>`;
    return c.page(op, { title: "Health", current: `${PREFIX}/health`, body });
  };
  return new Elysia().get(`${PREFIX}/health`, c.view(render), HIDDEN);
}
