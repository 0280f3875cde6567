import { MemoryHotStore } from "./memory/memory-store.ts";
import { RedisHotStore } from "./redis/redis-store.ts";
import type { HotStore } from "./types.ts";

export type * from "./types.ts";
export { MemoryHotStore } from "./memory/memory-store.ts";
export { RedisHotStore } from "./redis/redis-store.ts";

/** Redis when a URL is configured (several instances share state), else the embedded store. */
export function createHotStore(cfg: { redisUrl?: string; prefix?: string }): HotStore {
  if (cfg.redisUrl) return new RedisHotStore({ url: cfg.redisUrl, prefix: cfg.prefix });
  return new MemoryHotStore();
}
