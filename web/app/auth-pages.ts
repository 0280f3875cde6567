// Sign up, sign in, sign out. Sign-in attempts are limited per email and per address
// (AttemptLimiter over the hot store); a new session id is issued at every sign-in.
import { Elysia } from "elysia";
import { html } from "../kit/html.ts";
import { clientIp, field, readForm, redirect, safeNext, type AddressSource } from "../kit/http.ts";
import { csrfInput, textField, type Flash } from "../kit/layout.ts";
import { passwordProblem, verifyPassword } from "../kit/passwords.ts";
import { creditsToMicro } from "../../src/metering/money.ts";
import { emailProblem, emailTaken, findLogin, normalizeEmail, signUp } from "./accounts.ts";
import { PREFIX, type Dashboard } from "./core.ts";
import { FORM, HIDDEN } from "../kit/routes.ts";

/** Sign-in attempts per rolling minute: per email, and per client address across emails. */
export const LOGIN_LIMITS = { perEmail: 5, perAddress: 20, signupsPerAddress: 10 };

interface FormState {
  email?: string;
  errors?: { email?: string | null; password?: string | null };
  flash?: Flash | null;
  next?: string;
}

function loginForm(token: string, s: FormState) {
  return html`<div class="panel">
<h1>Sign in</h1>
<form class="stack" method="post" action="${PREFIX}/login" novalidate>
${csrfInput(token)}
<input type="hidden" name="next" value="${s.next ?? ""}">
${textField({ name: "email", label: "Email", type: "email", value: s.email, autocomplete: "username", required: true, error: s.errors?.email })}
${textField({ name: "password", label: "Password", type: "password", autocomplete: "current-password", required: true, error: s.errors?.password })}
<button type="submit">Sign in</button>
</form>
<p class="muted small">New here? <a href="${PREFIX}/signup">Create an account</a>: it comes with free credits and a 7-day trial.</p>
</div>`;
}

function signupForm(token: string, s: FormState, signupCredits: number) {
  return html`<div class="panel">
<h1>Create your account</h1>
<p class="muted">You start with ${signupCredits} free credits and the 7-day trial. No card needed: plans are paid with QRIS.</p>
<form class="stack" method="post" action="${PREFIX}/signup" novalidate>
${csrfInput(token)}
${textField({ name: "email", label: "Email", type: "email", value: s.email, autocomplete: "email", required: true, error: s.errors?.email })}
${textField({ name: "password", label: "Password", type: "password", autocomplete: "new-password", required: true, hint: "At least 10 characters.", error: s.errors?.password })}
<button type="submit">Create account</button>
</form>
<p class="muted small">Already have an account? <a href="${PREFIX}/login">Sign in</a></p>
</div>`;
}

export function authPages(d: Dashboard) {
  const loginPage = (request: Request, s: FormState, status = 200, headers?: Record<string, string>) => {
    const pre = d.preSessionToken(request);
    const r = d.page(null, { title: "Sign in", body: loginForm(pre.token, s), flash: s.flash, status, cookies: pre.cookie ? [pre.cookie] : [] });
    for (const [k, v] of Object.entries(headers ?? {})) r.headers.set(k, v);
    return r;
  };
  const signupPage = (request: Request, s: FormState, status = 200) => {
    const pre = d.preSessionToken(request);
    return d.page(null, { title: "Create account", body: signupForm(pre.token, s, d.deps.config.signupCredits), flash: s.flash, status, cookies: pre.cookie ? [pre.cookie] : [] });
  };
  const signIn = async (request: Request, userId: string, next: string) => {
    const { token } = await d.sessions.create(userId);
    return redirect(next, { cookies: [d.sessionCookie(request, token)] });
  };

  return new Elysia()
    .get(
      `${PREFIX}/login`,
      async ({ request }) => {
        if (await d.signedIn(request)) return redirect(`${PREFIX}/keys`);
        const url = new URL(request.url);
        const flash: Flash | null = url.searchParams.has("bye") ? { kind: "ok", text: "You are signed out." } : null;
        return loginPage(request, { next: url.searchParams.get("next") ?? "", flash });
      },
      HIDDEN,
    )
    .post(
      `${PREFIX}/login`,
      async ({ request, server }: { request: Request; server: AddressSource | null }) => {
        const form = await readForm(request);
        d.checkPreSession(request, form);
        const email = normalizeEmail(field(form, "email"));
        const password = form.get("password") ?? "";
        const next = safeNext(field(form, "next"), PREFIX, `${PREFIX}/keys`);
        const state: FormState = { email, next: field(form, "next") };
        // The address first: a spray of made-up emails from one address stops there.
        const limit = await d.limiter.take([
          { id: `ip:${clientIp(server, request, d.deps.config.trustProxyHops)}`, rpm: LOGIN_LIMITS.perAddress },
          { id: `email:${email}`, rpm: LOGIN_LIMITS.perEmail },
        ]);
        if (!limit.ok) {
          const flash: Flash = { kind: "bad", text: `Too many sign-in attempts. Try again in ${limit.retryAfterSeconds} seconds.` };
          return loginPage(request, { ...state, flash }, 429, { "retry-after": String(limit.retryAfterSeconds) });
        }
        const login = email ? await findLogin(d.billing().database, email) : null;
        if (!(await verifyPassword(password, login?.passwordHash ?? null)) || !login) {
          return loginPage(request, { ...state, flash: { kind: "bad", text: "That email and password do not match an account." } }, 401);
        }
        return signIn(request, login.userId, next);
      },
      FORM,
    )
    .get(
      `${PREFIX}/signup`,
      async ({ request }) => {
        if (await d.signedIn(request)) return redirect(`${PREFIX}/keys`);
        return signupPage(request, {});
      },
      HIDDEN,
    )
    .post(
      `${PREFIX}/signup`,
      async ({ request, server }: { request: Request; server: AddressSource | null }) => {
        const form = await readForm(request);
        d.checkPreSession(request, form);
        const email = normalizeEmail(field(form, "email"));
        const password = form.get("password") ?? "";
        const errors = { email: emailProblem(email), password: passwordProblem(password) };
        if (errors.email || errors.password) return signupPage(request, { email, errors, flash: { kind: "bad", text: "Check the highlighted fields." } }, 400);
        // Sign-ups hand out free credits, so they are limited per address too.
        const limit = await d.limiter.take([{ id: `signup-ip:${clientIp(server, request, d.deps.config.trustProxyHops)}`, rpm: LOGIN_LIMITS.signupsPerAddress }]);
        if (!limit.ok) {
          const r = signupPage(request, { email, flash: { kind: "bad", text: `Too many sign-ups from your network. Try again in ${limit.retryAfterSeconds} seconds.` } }, 429);
          r.headers.set("retry-after", String(limit.retryAfterSeconds));
          return r;
        }
        const billing = d.billing();
        const taken = { email: "An account with this email already exists. Sign in instead.", password: null };
        if (await emailTaken(billing.database, email)) return signupPage(request, { email, errors: taken }, 409);
        const created = await signUp(billing, { email, password, signupMicro: creditsToMicro(d.deps.config.signupCredits) });
        if (!created.ok) return signupPage(request, { email, errors: taken }, 409);
        return signIn(request, created.userId, `${PREFIX}/keys?welcome=1`);
      },
      FORM,
    )
    .post(
      `${PREFIX}/logout`,
      d.action(async (ctx) => {
        await d.sessions.destroy(d.sessionToken(ctx.request));
        return redirect(`${PREFIX}/login?bye=1`, { cookies: [d.clearSessionCookie(ctx.request)] });
      }),
      FORM,
    );
}
