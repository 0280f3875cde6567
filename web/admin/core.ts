// What every admin panel page shares: the operator's session (granted for the admin token,
// dead once the token changes), CSRF on every form, the page shell, HTML errors.
import type { AdminDeps } from "../../admin/app.ts";
import { sha256Hex } from "../../db/admin-token.ts";
import type { Metrics } from "../../src/observability/metrics.ts";
import { PageError, SignedInConsole } from "../kit/console.ts";
import type { Flash } from "../kit/layout.ts";
import { AttemptLimiter } from "../kit/limiter.ts";
import { Sessions } from "../kit/sessions.ts";
import { AdminApi } from "./api.ts";

export const PREFIX = "/admin";
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

export interface Operator {
  request: Request;
  url: URL;
  /** The name the operator gave; the audit log records "admin-token:web/<name>". */
  name: string;
  actor: string;
  csrf: string;
}

export type { PageOptions } from "../kit/console.ts";

export { PageError };
export type { RouteContext } from "../kit/console.ts";

export class AdminConsole extends SignedInConsole<Operator> {
  readonly sessions: Sessions;
  readonly limiter: AttemptLimiter;
  readonly api: AdminApi;

  constructor(readonly deps: AdminConsoleDeps) {
    super({
      prefix: PREFIX,
      sessionCookie: "sluice_admin_session",
      preCookie: "sluice_admin_csrf",
      preSessionExpired: "This form has expired or did not come from this site. Reload the sign-in page and try again.",
    }, { brand: "Sluice admin", nav: NAV, homeLabel: "the admin panel" });
    this.sessions = new Sessions(() => deps.admin.database, "admin", POLICY);
    this.limiter = new AttemptLimiter(() => deps.admin.store, "admin");
    this.api = new AdminApi(() => deps.admin);
  }

  /** Sessions are bound to the token they were granted for: rotating ADMIN_TOKEN ends them. */
  binding(): string {
    return sha256Hex(`web-session:${this.deps.admin.adminTokenHash}`);
  }

  protected whoLabel(op: Operator): string {
    return op.name;
  }

  async signedIn(request: Request): Promise<Operator | null> {
    const s = await this.sessions.resolve(this.sessionToken(request), this.binding());
    if (!s) return null;
    return { request, url: new URL(request.url), name: s.subject, actor: `web/${s.subject}`, csrf: s.csrf };
  }
}

/** "?saved=..." after a successful change becomes a confirmation on the page it returns to. */
export function savedFlash(url: URL): Flash | null {
  const saved = url.searchParams.get("saved");
  return saved ? { kind: "ok", text: `Saved: ${saved.slice(0, 120)}.` } : null;
}
