// Console sessions in Postgres (web_sessions). The cookie holds a random 256-bit token; the
// table holds only its SHA-256, so reading the table does not let anyone sign in. Sessions
// slide (idle expiry, refreshed on use) within an absolute lifetime.
import { randomBytes } from "node:crypto";
import type { Database } from "../../db/client.ts";
import { sha256Hex } from "../../db/admin-token.ts";
import { newToken } from "./csrf.ts";

export type SessionKind = "user" | "admin";

export interface Session {
  kind: SessionKind;
  subject: string;
  csrf: string;
  expiresAt: Date;
}

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

interface SessionRow {
  subject: string;
  csrf_token: string;
  binding: string | null;
  last_seen_at: Date | string;
  idle_expires_at: Date | string;
  expires_at: Date | string;
}

/** Refreshing the idle expiry on every page view would be a write per view; once a minute is plenty. */
const TOUCH_EVERY_MS = 60_000;

const at = (v: Date | string): number => (v instanceof Date ? v.getTime() : Date.parse(v));
const iso = (ms: number): string => new Date(ms).toISOString();

export class Sessions {
  constructor(
    private readonly database: () => Database,
    private readonly kind: SessionKind,
    private readonly policy: SessionPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  async create(subject: string, binding: string | null = null): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString("base64url");
    const csrf = newToken();
    const now = this.now();
    const expires = now + this.policy.absoluteMs;
    const idle = Math.min(now + this.policy.idleMs, expires);
    const db = this.database();
    // Sweeping here keeps the table to live sessions without a job of its own.
    await db.rows("delete from web_sessions where idle_expires_at < $1", [iso(now)]);
    await db.rows(
      `insert into web_sessions (id_hash, kind, subject, csrf_token, binding, created_at, last_seen_at, idle_expires_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, $6, $7, $8)`,
      [sha256Hex(token), this.kind, subject, csrf, binding, iso(now), iso(idle), iso(expires)],
    );
    return { token, session: { kind: this.kind, subject, csrf, expiresAt: new Date(expires) } };
  }

  /** The live session of a cookie value, or null (unknown, expired, or bound to something else now). */
  async resolve(token: string | null, binding: string | null = null): Promise<Session | null> {
    if (!token || token.length > 200) return null;
    const hash = sha256Hex(token);
    const db = this.database();
    const row = (
      await db.rows<SessionRow>(
        "select subject, csrf_token, binding, last_seen_at, idle_expires_at, expires_at from web_sessions where id_hash = $1 and kind = $2",
        [hash, this.kind],
      )
    )[0];
    if (!row) return null;
    const now = this.now();
    const expires = at(row.expires_at);
    if (now >= at(row.idle_expires_at) || now >= expires || row.binding !== binding) {
      await db.rows("delete from web_sessions where id_hash = $1", [hash]);
      return null;
    }
    if (now - at(row.last_seen_at) >= TOUCH_EVERY_MS) {
      await db.rows("update web_sessions set last_seen_at = $2, idle_expires_at = $3 where id_hash = $1", [
        hash,
        iso(now),
        iso(Math.min(now + this.policy.idleMs, expires)),
      ]);
    }
    return { kind: this.kind, subject: row.subject, csrf: row.csrf_token, expiresAt: new Date(expires) };
  }

  async destroy(token: string | null): Promise<void> {
    if (!token) return;
    await this.database().rows("delete from web_sessions where id_hash = $1 and kind = $2", [sha256Hex(token), this.kind]);
  }
}
