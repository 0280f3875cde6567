// The admin token: ADMIN_TOKEN when set; otherwise one is generated on first start, its
// SHA-256 kept in the database and the token itself printed once.
import { randomBytes } from "node:crypto";
import type { Database } from "./client.ts";

const META_KEY = "admin_token_sha256";

export function sha256Hex(s: string): string {
  return new Bun.CryptoHasher("sha256").update(s).digest("hex");
}

export async function ensureAdminToken(
  database: Database,
  configured: string | undefined,
): Promise<{ hash: string; generated: string | null }> {
  if (configured) return { hash: sha256Hex(configured), generated: null };
  const existing = await database.rows<{ value: string }>("select value from meta where key = $1", [META_KEY]);
  if (existing[0]) return { hash: existing[0].value, generated: null };
  const token = "sluice-admin-" + randomBytes(24).toString("base64url");
  const hash = sha256Hex(token);
  const inserted = await database.rows<{ value: string }>(
    "insert into meta (key, value) values ($1, $2) on conflict (key) do nothing returning value",
    [META_KEY, hash],
  );
  // Another instance may have won the race; its token is the one.
  if (inserted.length === 0) return ensureAdminToken(database, configured);
  return { hash, generated: token };
}
