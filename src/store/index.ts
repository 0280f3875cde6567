import { MemoryHotStore } from "./memory/memory-store.ts";
import { RedisHotStore } from "./redis/redis-store.ts";
import type { HotStore } from "./types.ts";

export type * from "./types.ts";
export { MemoryHotStore } from "./memory/memory-store.ts";
export { RedisHotStore } from "./redis/redis-store.ts";

/** Redis when a URL is configured (several instances share state), else the embedded store. */
export function createHotStore(cfg: { redisUrl?: string; redisClusterNodes?: string[]; prefix?: string; ledgerShards?: number }): HotStore {
  if (cfg.redisClusterNodes && cfg.redisClusterNodes.length > 0) {
    return new RedisHotStore({ clusterNodes: cfg.redisClusterNodes, prefix: cfg.prefix, ledgerShards: cfg.ledgerShards });
  }
  if (cfg.redisUrl) return new RedisHotStore({ url: cfg.redisUrl, prefix: cfg.prefix, ledgerShards: cfg.ledgerShards });
  return new MemoryHotStore();
}
