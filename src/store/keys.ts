// API keys: shown once at creation, stored and looked up only as SHA-256 hex.
import { randomBytes } from "node:crypto";

export const KEY_PREFIX = "sk-sluice-";

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(24).toString("base64url");
}

export function hashApiKey(key: string): string {
  return new Bun.CryptoHasher("sha256").update(key).digest("hex");
}

/** What lists and logs may show of a key. */
export function displayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

/** Channel on which a revoked key's hash is announced to every instance. */
export const KEY_INVALIDATION_CHANNEL = "keys:invalidate";
/** Channel on which catalog changes are announced. */
export const CATALOG_CHANNEL = "catalog:changed";
