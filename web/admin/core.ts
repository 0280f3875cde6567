// What every admin panel page shares: the operator's session (granted for the admin token,
// dead once the token changes), CSRF on every form, the page shell, HTML errors.
import type { AdminDeps } from "../../admin/app.ts";
import { sha256Hex } from "../../db/admin-token.ts";
import type { Metrics } from "../../src/observability/metrics.ts";
import { clearCookie, readCookie, setCookie } from "../kit/cookies.ts";
import { CSRF_FIELD, newToken, tokensMatch } from "../kit/csrf.ts";
import { html, type Html } from "../kit/html.ts";
import { htmlResponse, isHttps, readForm, redirect } from "../kit/http.ts";
import { layout, type Flash } from "../kit/layout.ts";
import { AttemptLimiter } from "../kit/limiter.ts";
import { Sessions } from "../kit/sessions.ts";
import { AdminApi } from "./api.ts";

export const PREFIX = "/admin";
const SESSION_COOKIE = "sluice_admin_session";
const PRE_COOKIE = "sluice_admin_csrf";
const HOUR = 3_600_000;
/** Operators hold every power: an hour idle or a working day at most. */
const POLICY = { idleMs: HOUR, absoluteMs: 12 * HOUR };

const NAV = [
  { href: `${PREFIX}/models`, label: "Models" },
  { href: `${PREFIX}/providers`, label: "Providers" },
  { href: `${PREFIX}/plans`, label: "Plans" },
  { href: `${PREFIX}/users`, label: "Users" },
  { href: `${PREFIX}/orders`, label: "Orders" },
  { href: `${PREFIX}/invoices`, label: "Invoices" },
  { href: `${PREFIX}/usage`, label: "Usage" },
  { href: `${PREFIX}/audit`, label: "Audit" },
  { href: `${PREFIX}/health`, label: "Health" },
];

export interface AdminConsoleDeps {
  /** The admin API's own dependencies. */
  admin: AdminDeps;
  metrics: Metrics;
  /** Readiness as GET /readyz reports it. */
  ready(): Promise<boolean>;
  startedAt: number;
  /** TRUST_PROXY_HOPS: proxies of ours in front of this port (see clientIp). */
  trustProxyHops?: number;
}

export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Operator {
  request: Request;
  url: URL;
  /** The name the operator gave; the audit log records "admin-token:web/<name>". */
  name: string;
  actor: string;
  csrf: string;
}

export interface RouteContext {
  request: Request;
  params: Record<string, string>;
}

export interface PageOptions {
  title: string;
  body: Html;
  current?: string;
  flash?: Flash | null;
  status?: number;
}

export class AdminConsole {
  readonly sessions: Sessions;
  readonly limiter: AttemptLimiter;
  readonly api: AdminApi;

  constructor(readonly deps: AdminConsoleDeps) {
    this.sessions = new Sessions(() => deps.admin.database, "admin", POLICY);
    this.limiter = new AttemptLimiter(() => deps.admin.store, "admin");
    this.api = new AdminApi(() => deps.admin);
  }

  /** Sessions are bound to the token they were granted for: rotating ADMIN_TOKEN ends them. */
  binding(): string {
    return sha256Hex(`web-session:${this.deps.admin.adminTokenHash}`);
  }

  page(op: Operator | null, o: PageOptions): Response {
    const body = layout({
      prefix: PREFIX,
      brand: "Sluice admin",
      title: o.title,
      nav: op ? NAV : [],
      current: o.current,
      who: op ? { label: op.name, csrf: op.csrf, logoutAction: `${PREFIX}/logout` } : undefined,
      flash: o.flash,
      body: o.body,
      narrow: op === null,
    });
    return htmlResponse(body, { status: o.status });
  }

  errorPage(status: number, message: string): Response {
    const back = status === 401 || status === 403 ? html`<p><a href="${PREFIX}/login">Sign in</a></p>` : html`<p><a href="${PREFIX}">Back to the admin panel</a></p>`;
    return htmlResponse(layout({ prefix: PREFIX, brand: "Sluice admin", title: `Error ${status}`, nav: [], body: html`<h1>Error ${status}</h1><p>${message}</p>${back}`, narrow: true }), { status });
  }

  sessionCookie(request: Request, token: string): string {
    return setCookie(SESSION_COOKIE, token, { path: PREFIX, secure: isHttps(request) });
  }

  clearSessionCookie(request: Request): string {
    return clearCookie(SESSION_COOKIE, { path: PREFIX, secure: isHttps(request) });
  }

  sessionToken(request: Request): string | null {
    return readCookie(request, SESSION_COOKIE);
  }

  async operator(request: Request): Promise<Operator | null> {
    const s = await this.sessions.resolve(this.sessionToken(request), this.binding());
    if (!s) return null;
    return { request, url: new URL(request.url), name: s.subject, actor: `web/${s.subject}`, csrf: s.csrf };
  }

  preSessionToken(request: Request): { token: string; cookie: string | null } {
    const existing = readCookie(request, PRE_COOKIE);
    if (existing && existing.length <= 100) return { token: existing, cookie: null };
    const token = newToken();
    return { token, cookie: setCookie(PRE_COOKIE, token, { path: PREFIX, secure: isHttps(request) }) };
  }

  checkPreSession(request: Request, form: URLSearchParams): void {
    if (!tokensMatch(form.get(CSRF_FIELD), readCookie(request, PRE_COOKIE))) {
      throw new PageError(403, "This form has expired or did not come from this site. Reload the sign-in page and try again.");
    }
  }

  view(handler: (op: Operator, params: Record<string, string>) => Promise<Response>) {
    return async ({ request, params }: RouteContext): Promise<Response> => {
      const op = await this.operator(request);
      if (!op) {
        const url = new URL(request.url);
        return redirect(`${PREFIX}/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      }
      return handler(op, params);
    };
  }

  action(handler: (op: Operator, form: URLSearchParams, params: Record<string, string>) => Promise<Response>) {
    return async ({ request, params }: RouteContext): Promise<Response> => {
      const form = await readForm(request);
      const op = await this.operator(request);
      if (!op) return redirect(`${PREFIX}/login`);
      if (!tokensMatch(form.get(CSRF_FIELD), op.csrf)) {
        throw new PageError(403, "This form has expired or did not come from this site. Go back, reload the page and try again.");
      }
      return handler(op, form, params);
    };
  }
}

/** "?saved=..." after a successful change becomes a confirmation on the page it returns to. */
export function savedFlash(url: URL): Flash | null {
  const saved = url.searchParams.get("saved");
  return saved ? { kind: "ok", text: `Saved: ${saved.slice(0, 120)}.` } : null;
}
