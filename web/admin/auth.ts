// Operator sign-in: the admin token, exchanged for a session cookie so it is typed once and
// never kept in the browser. Attempts are limited per address like the dashboard's sign-in.
import { Elysia } from "elysia";
import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../../db/admin-token.ts";
import { html } from "../kit/html.ts";
import { clientIp, field, readForm, redirect, safeNext, type AddressSource } from "../kit/http.ts";
import { csrfInput, textField, type Flash } from "../kit/layout.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";
import { PREFIX, type AdminConsole } from "./core.ts";

/** Token guesses per rolling minute from one address. */
export const ADMIN_LOGIN_RPM = 10;

function tokenMatches(token: string, expectedHash: string): boolean {
  // Fixed-length digests keep the comparison constant-time whatever was typed.
  return timingSafeEqual(Buffer.from(sha256Hex(token), "hex"), Buffer.from(expectedHash, "hex"));
}

const NAME = /^[\w .@-]{1,40}$/;

function form(csrf: string, s: { name?: string; next?: string; tokenError?: string | null; nameError?: string | null }) {
  return html`<div class="panel">
<h1>Admin sign-in</h1>
<form class="stack" method="post" action="${PREFIX}/login" novalidate>
${csrfInput(csrf)}
<input type="hidden" name="next" value="${s.next ?? ""}">
${textField({ name: "token", label: "Admin token", type: "password", autocomplete: "current-password", required: true, hint: "ADMIN_TOKEN, or the token printed at first start.", error: s.tokenError })}
${textField({ name: "name", label: "Your name", value: s.name ?? "", autocomplete: "nickname", required: true, hint: "Recorded with every change you make, in the audit log.", error: s.nameError })}
<button type="submit">Sign in</button>
</form>
</div>`;
}

export function adminAuthPages(c: AdminConsole) {
  const page = (request: Request, s: Parameters<typeof form>[1], flash: Flash | null, status = 200) => {
    const pre = c.preSessionToken(request);
    const r = c.page(null, { title: "Admin sign-in", body: form(pre.token, s), flash, status });
    if (pre.cookie) r.headers.append("set-cookie", pre.cookie);
    return r;
  };
  return new Elysia()
    .get(
      `${PREFIX}/login`,
      async ({ request }) => {
        if (await c.signedIn(request)) return redirect(`${PREFIX}/models`);
        const url = new URL(request.url);
        return page(request, { next: url.searchParams.get("next") ?? "" }, url.searchParams.has("bye") ? { kind: "ok", text: "Signed out." } : null);
      },
      HIDDEN,
    )
    .post(
      `${PREFIX}/login`,
      async ({ request, server }: { request: Request; server: AddressSource | null }) => {
        const f = await readForm(request);
        c.checkPreSession(request, f);
        const name = field(f, "name");
        const next = field(f, "next");
        const limit = await c.limiter.take([{ id: `ip:${clientIp(server, request, c.deps.trustProxyHops)}`, rpm: ADMIN_LOGIN_RPM }]);
        if (!limit.ok) {
          const r = page(request, { name, next }, { kind: "bad", text: `Too many attempts. Try again in ${limit.retryAfterSeconds} seconds.` }, 429);
          r.headers.set("retry-after", String(limit.retryAfterSeconds));
          return r;
        }
        if (!tokenMatches(f.get("token") ?? "", c.deps.admin.adminTokenHash)) {
          return page(request, { name, next, tokenError: "That is not the admin token." }, { kind: "bad", text: "Sign-in failed." }, 401);
        }
        if (!NAME.test(name)) return page(request, { name, next, nameError: "1 to 40 letters, digits, spaces or . @ - _" }, { kind: "bad", text: "Check your name." }, 400);
        const { token } = await c.sessions.create(name, c.binding());
        return redirect(safeNext(next, PREFIX, `${PREFIX}/models`), { cookies: [c.sessionCookie(request, token)] });
      },
      FORM,
    )
    .post(
      `${PREFIX}/logout`,
      c.action(async (op) => {
        await c.sessions.destroy(c.sessionToken(op.request));
        return redirect(`${PREFIX}/login?bye=1`, { cookies: [c.clearSessionCookie(op.request)] });
      }),
      FORM,
    );
}
