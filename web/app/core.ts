// What every dashboard page shares: the signed-in user from the session cookie, CSRF checks
// on every form, the page shell, and HTML errors.
import type { Config } from "../../src/config.ts";
import type { BillingDeps } from "../../src/payments/deps.ts";
import type { Database } from "../../db/client.ts";
import { getUser, type UserView } from "../../db/accounts.ts";
import { PageError, SignedInConsole } from "../kit/console.ts";
import { AttemptLimiter } from "../kit/limiter.ts";
import { Sessions } from "../kit/sessions.ts";

export const PREFIX = "/app";
const HOUR = 3_600_000;
/** A week of inactivity, or 30 days at most, signs a user out. */
const POLICY = { idleMs: 7 * 24 * HOUR, absoluteMs: 30 * 24 * HOUR };

const NAV = [
  { href: `${PREFIX}/keys`, label: "API keys" },
  { href: `${PREFIX}/billing`, label: "Billing" },
  { href: `${PREFIX}/usage`, label: "Usage" },
];

export interface DashboardDeps {
  config: Config;
  /** Plans, payments and the database; without it the dashboard answers 503. */
  billing?: BillingDeps;
  /** Where the usage page reads (DATABASE_REPLICA_URL); billing's database when absent. */
  reports?: Database;
}

export interface Signed {
  request: Request;
  url: URL;
  user: UserView;
  csrf: string;
  billing: BillingDeps;
}

/** Who the audit log records for a user's own changes. */
export const actorOf = (ctx: Signed): string => `web-user:${ctx.user.id}`;

export type { PageOptions } from "../kit/console.ts";

export { PageError };
export type { RouteContext } from "../kit/console.ts";

export class Dashboard extends SignedInConsole<Signed> {
  readonly sessions: Sessions;
  readonly limiter: AttemptLimiter;

  constructor(readonly deps: DashboardDeps) {
    super({
      prefix: PREFIX,
      sessionCookie: "sluice_session",
      preCookie: "sluice_csrf",
      sessionMaxAgeSeconds: POLICY.absoluteMs / 1000,
      preSessionExpired: "This form has expired or did not come from this site. Go back, reload the page and try again.",
    }, { brand: "Sluice", nav: NAV, homeLabel: "the dashboard" });
    // Dependencies are reached lazily: the app is also built, with none, to generate docs.
    this.sessions = new Sessions(() => this.billing().database, "user", POLICY);
    this.limiter = new AttemptLimiter(() => this.billing().store, "app");
  }

  billing(): BillingDeps {
    if (!this.deps.billing) throw new PageError(503, "The dashboard is not available on this gateway.");
    return this.deps.billing;
  }

  protected whoLabel(ctx: Signed): string {
    return ctx.user.email ?? ctx.user.id;
  }

  protected override errorHeading(status: number): string {
    return errorTitle(status);
  }

  async signedIn(request: Request): Promise<Signed | null> {
    const billing = this.billing();
    const session = await this.sessions.resolve(this.sessionToken(request));
    if (!session) return null;
    const user = await getUser(billing.database, session.subject);
    if (!user) return null;
    return { request, url: new URL(request.url), user, csrf: session.csrf, billing };
  }
}

function errorTitle(status: number): string {
  if (status === 403) return "Not allowed";
  if (status === 404) return "Not found";
  if (status === 413) return "Too large";
  if (status === 415) return "Unsupported form";
  if (status === 429) return "Too many attempts";
  if (status === 503) return "Unavailable";
  return status >= 500 ? "Something went wrong" : "That did not work";
}
