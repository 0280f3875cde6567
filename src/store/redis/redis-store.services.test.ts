import { afterAll } from "bun:test";
import Redis from "ioredis";
import { RedisHotStore } from "./redis-store.ts";
import { runHotStoreCases } from "../store.cases.ts";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefixes: string[] = [];

// A fresh prefix per store: cases never see each other's keys, and concurrent runs share one Redis.
runHotStoreCases("redis", async () => {
  const prefix = `t:${crypto.randomUUID().slice(0, 8)}:`;
  prefixes.push(prefix);
  return new RedisHotStore({ url, prefix });
});

afterAll(async () => {
  const r = new Redis(url);
  try {
    for (const prefix of prefixes) {
      let cursor = "0";
      do {
        const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await r.del(...keys);
      } while (cursor !== "0");
    }
  } finally {
    await r.quit();
  }
});
