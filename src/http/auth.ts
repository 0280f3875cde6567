// Key lookup on the request path: an in-process cache in front of the hot store. Revocations
// are announced on a channel and evict the entry everywhere; the TTL bounds staleness if an
// announcement is ever missed. Unknown keys are cached briefly too, so a flood of bad keys
// costs one hot-store read per key per few seconds, not one per request.
import { hashApiKey, KEY_INVALIDATION_CHANNEL } from "../store/keys.ts";
import type { HotStore, KeyRecord } from "../store/types.ts";

const TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 100_000;

interface Entry {
  record: KeyRecord | null;
  expiresAt: number;
}

export class KeyAuthenticator {
  private readonly cache = new Map<string, Entry>();
  /**
   * Bumped by every invalidation. A lookup that was in flight when one arrived may carry the
   * record from before it (its read can reach us after the announcement), so it is used for
   * that request but not cached: otherwise a revoked key could stay valid here for the TTL.
   */
  private invalidations = 0;

  constructor(private readonly store: HotStore) {}

  async start(): Promise<void> {
    await this.store.subscribe(KEY_INVALIDATION_CHANNEL, (hash) => this.forget(hash));
  }

  /** The key's record, or null when missing, unknown or revoked. */
  async authenticate(headers: Headers): Promise<KeyRecord | null> {
    const key = extractKey(headers);
    if (!key) return null;
    const hash = hashApiKey(key);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > now) return hit.record;
    const seen = this.invalidations;
    const record = await this.store.getKey(hash);
    const usable = record && record.status === "active" ? record : null;
    if (seen !== this.invalidations) return usable;
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(hash, { record: usable, expiresAt: now + (usable ? TTL_MS : NEGATIVE_TTL_MS) });
    return usable;
  }

  forget(hash: string): void {
    this.invalidations++;
    this.cache.delete(hash);
  }
}

/** `Authorization: Bearer <key>` (OpenAI clients) or `x-api-key: <key>` (Anthropic clients). */
export function extractKey(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const x = headers.get("x-api-key");
  return x ? x.trim() || null : null;
}
