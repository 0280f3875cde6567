// API keys: list, create (the key is shown once), revoke, regenerate (revoke + create with
// the same name and limits). The same db/accounts.ts calls as the admin API's key routes.
import { Elysia } from "elysia";
import { createKey, getKey, listKeys, revokeKey, type KeyView } from "../../db/accounts.ts";
import { credits, when } from "../kit/format.ts";
import { html, type Html } from "../kit/html.ts";
import { field, redirect } from "../kit/http.ts";
import { actionButton, csrfInput, textField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { keysLastUsed } from "./queries.ts";
import { actorOf, PageError, PREFIX, type Dashboard, type Signed } from "./core.ts";

const MAX_ACTIVE_KEYS = 25;
const MAX_NAME = 64;

function newKeyPanel(key: string, origin: string): Html {
  return html`<section class="panel" aria-labelledby="new-key-title">
<h2 id="new-key-title">Your new key</h2>
<p>Copy it now: it is shown only this once. Sluice stores only a hash of it.</p>
<div class="secret"><label class="visually-hidden" for="new-key">New API key</label><input id="new-key" readonly value="${key}" spellcheck="false" autocomplete="off"><button type="button" class="secondary" data-copy-target="new-key" hidden data-js>Copy</button></div>
<p class="muted small">Try it:</p>
<pre class="mono">curl ${origin}/v1/chat/completions \\
  -H "Authorization: Bearer ${key}" \\
  -H "Content-Type: application/json" \\
  -d '{"model":"gpt-5.4-mini","messages":[{"role":"user","content":"hi"}]}'</pre>
</section>`;
}

function keyRows(keys: KeyView[], lastUsed: Map<string, Date>, csrf: string): Html {
  return html`${keys.map((k) => {
    const name = k.name ?? "unnamed key";
    return html`<tr>
<td>${name}</td>
<td class="mono">${k.prefix}…</td>
<td>${when(k.createdAt)}</td>
<td>${lastUsed.has(k.id) ? when(lastUsed.get(k.id)) : html`<span class="muted">never</span>`}</td>
<td class="actions">${actionButton({
      action: `${PREFIX}/keys/${k.id}/regenerate`,
      csrf,
      label: "Regenerate",
      className: "secondary small",
      ariaLabel: `Regenerate ${name}`,
      confirm: `Regenerate "${name}"? The current key stops working at once.`,
    })} ${actionButton({ action: `${PREFIX}/keys/${k.id}/revoke`, csrf, label: "Revoke", className: "danger small", ariaLabel: `Revoke ${name}`, confirm: `Revoke "${name}"? It stops working at once.` })}</td>
</tr>`;
  })}`;
}

export function keysPages(d: Dashboard) {
  const render = async (ctx: Signed, extra: { newKey?: string; flash?: Flash | null; nameError?: string | null; status?: number } = {}) => {
    const keys = await listKeys(ctx.billing.database, ctx.user.id);
    const lastUsed = await keysLastUsed(ctx.billing.database, ctx.user.id);
    const active = keys.filter((k) => k.status === "active");
    const revoked = keys.filter((k) => k.status !== "active");
    const balance = (await ctx.billing.store.getBalance(ctx.user.id)) ?? ctx.user.balanceMicro;
    const body = html`<h1>API keys</h1>
${extra.newKey ? newKeyPanel(extra.newKey, ctx.url.origin) : ""}
<p class="muted">One key reaches every model: OpenAI clients use <code>${ctx.url.origin}/v1</code> as their base URL, Anthropic clients <code>${ctx.url.origin}</code>. Balance: <strong>${credits(balance)}</strong> credits.</p>
<section class="panel" aria-labelledby="create-title">
<h2 id="create-title">Create a key</h2>
<form class="inline" method="post" action="${PREFIX}/keys">
${csrfInput(ctx.csrf)}
${textField({ name: "name", label: "Key name", hint: "So you can tell your keys apart, e.g. laptop or CI.", error: extra.nameError, autocomplete: "off" })}
<button type="submit">Create key</button>
</form>
</section>
<div class="table-wrap"><table>
<caption>Active keys (${active.length})</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead>
<tbody>${active.length ? keyRows(active, lastUsed, ctx.csrf) : html`<tr><td colspan="5" class="muted">No active keys yet.</td></tr>`}</tbody>
</table></div>
${
  revoked.length
    ? html`<details><summary>Revoked keys (${revoked.length})</summary><div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Revoked</th></tr></thead>
<tbody>${revoked.map((k) => html`<tr><td>${k.name ?? "unnamed key"}</td><td class="mono">${k.prefix}…</td><td>${when(k.createdAt)}</td><td>${when(k.revokedAt)}</td></tr>`)}</tbody>
</table></div></details>`
    : ""
}`;
    return d.page(ctx, { title: "API keys", current: `${PREFIX}/keys`, body, flash: extra.flash, status: extra.status });
  };

  const ownKey = async (ctx: Signed, id: string) => {
    const k = await getKey(ctx.billing.database, id);
    // Someone else's key is as unknown as a missing one.
    if (!k || k.userId !== ctx.user.id) throw new PageError(404, "No such key.");
    return k;
  };

  return new Elysia()
    .get(
      `${PREFIX}/keys`,
      d.view(async (ctx) => {
        const q = ctx.url.searchParams;
        let flash: Flash | null = null;
        if (q.has("welcome")) flash = { kind: "ok", text: "Welcome to Sluice. Your free credits and the 7-day trial are on your account: create a key to start." };
        if (q.get("done") === "revoked") flash = { kind: "ok", text: "Key revoked. Requests with it are refused from now on." };
        return render(ctx, { flash });
      }),
      HIDDEN,
    )
    .post(
      `${PREFIX}/keys`,
      d.action(async (ctx, form) => {
        const name = field(form, "name");
        if (name.length > MAX_NAME) return render(ctx, { nameError: `Use at most ${MAX_NAME} characters.`, status: 400 });
        const active = (await listKeys(ctx.billing.database, ctx.user.id)).filter((k) => k.status === "active").length;
        if (active >= MAX_ACTIVE_KEYS) {
          return render(ctx, { flash: { kind: "bad", text: `You have ${active} active keys, the most allowed. Revoke one first.` }, status: 409 });
        }
        const created = await createKey(ctx.billing.database, ctx.billing.store, d.deps.config.defaultLimits, { userId: ctx.user.id, name: name || null, actor: actorOf(ctx) });
        return render(ctx, { newKey: created.key, flash: { kind: "ok", text: `Key ${name ? `"${name}" ` : ""}created.` } });
      }),
      FORM,
    )
    .post(
      `${PREFIX}/keys/:id/revoke`,
      d.action(async (ctx, _form, params) => {
        const k = await ownKey(ctx, params.id ?? "");
        await revokeKey(ctx.billing.database, ctx.billing.store, k.id, actorOf(ctx));
        return redirect(`${PREFIX}/keys?done=revoked`);
      }),
      FORM,
    )
    .post(
      `${PREFIX}/keys/:id/regenerate`,
      d.action(async (ctx, _form, params) => {
        const k = await ownKey(ctx, params.id ?? "");
        if (k.status !== "active") throw new PageError(409, "That key is already revoked; create a new one instead.");
        // Revoke first: if creating the replacement failed, the user is left with no key
        // rather than with the one they wanted gone.
        await revokeKey(ctx.billing.database, ctx.billing.store, k.id, actorOf(ctx));
        const created = await createKey(ctx.billing.database, ctx.billing.store, d.deps.config.defaultLimits, {
          userId: ctx.user.id,
          name: k.name,
          rpm: k.rpm,
          concurrency: k.concurrency,
          allowedModels: k.allowedModels,
          actor: actorOf(ctx),
        });
        return render(ctx, { newKey: created.key, flash: { kind: "ok", text: `Key "${k.name ?? "unnamed key"}" regenerated: the old key no longer works.` } });
      }),
      FORM,
    );
}

