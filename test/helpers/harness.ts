// Starts a whole Sluice (gateway + admin + flusher) against mock upstreams, on whichever
// storage the suite runs with: SLUICE_TEST_STORAGE=services uses the Postgres and Redis of
// DATABASE_URL / REDIS_URL (a fresh database and key prefix per harness), anything else
// the embedded default (in-memory PGlite, memory hot store).
import { randomUUID } from "node:crypto";
import { loadConfig, type Config } from "../../src/config.ts";
import { startSluice, type Sluice } from "../../src/server.ts";
import { startOpenAIMock } from "../mocks/openai-upstream.ts";
import { startAnthropicMock } from "../mocks/anthropic-upstream.ts";
import { startGeminiMock } from "../mocks/gemini-upstream.ts";
import { DEFAULT_MODELS } from "../../db/default-catalog.ts";
import { createTestDatabase } from "./databases.ts";
import { openDatabase, type Database } from "../../db/client.ts";
import type { MockUpstream } from "../mocks/types.ts";

export const servicesMode = process.env.SLUICE_TEST_STORAGE === "services";
const ADMIN_TOKEN = "test-admin-token";

export interface Harness {
  sluice: Sluice;
  openai: MockUpstream;
  anthropic: MockUpstream;
  gemini: MockUpstream;
  config: Config;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; json: Record<string, unknown> }>;
  /** A fresh user with `credits` and a key for them. */
  newUser(credits?: number, keyOptions?: Record<string, unknown>): Promise<{ userId: string; key: string; keyId: string }>;
  stop(): Promise<void>;
}

export { createTestDatabase };

/**
 * An empty database of this pass, for tests of db/ code without a whole gateway: PGlite in
 * memory (embedded) or a fresh Postgres database (services). `close` also drops the latter.
 */
export async function openPassDatabase(): Promise<{ database: Database; close(): Promise<void> }> {
  const created = servicesMode ? await createTestDatabase() : null;
  const database = await openDatabase(created ? { databaseUrl: created.url } : { dataDir: "memory://" });
  return {
    database,
    async close() {
      await database.close();
      await created?.drop();
    },
  };
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const openai = await startOpenAIMock();
  const anthropic = await startAnthropicMock();
  const gemini = await startGeminiMock({
    models: DEFAULT_MODELS.filter((m) => m.provider === "gemini").map((m) => m.upstreamModel),
  });
  const testDb = servicesMode ? await createTestDatabase() : null;
  const providerEnv: Record<string, string> = {};
  for (const id of ["openai", "xai", "deepseek", "moonshot", "minimax", "qwen", "zhipu", "xiaomi", "openweight"]) {
    providerEnv[`PROVIDER_${id.toUpperCase()}_BASE_URL`] = `${openai.url}/v1`;
    providerEnv[`PROVIDER_${id.toUpperCase()}_API_KEY`] = `sk-upstream-${id}`;
  }
  providerEnv.PROVIDER_ANTHROPIC_BASE_URL = anthropic.url;
  providerEnv.PROVIDER_ANTHROPIC_API_KEY = "sk-ant-upstream";
  providerEnv.PROVIDER_GEMINI_BASE_URL = gemini.url;
  providerEnv.PROVIDER_GEMINI_API_KEY = "gemini-upstream-key";
  const config = loadConfig({
    ...providerEnv,
    ADMIN_TOKEN,
    DATA_DIR: "memory://",
    FLUSH_INTERVAL_MS: "50",
    ...(servicesMode
      ? { DATABASE_URL: testDb!.url, REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", REDIS_PREFIX: `t${randomUUID().slice(0, 8)}:` }
      : {}),
    ...env,
  });
  const sluice = await startSluice(config, { ephemeralPorts: true });

  const admin: Harness["admin"] = async (path, init = {}) => {
    const res = await fetch(`${sluice.adminUrl}/admin/v1${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  return {
    sluice,
    openai,
    anthropic,
    gemini,
    config,
    admin,
    async newUser(credits = 100, keyOptions = {}) {
      const user = await admin("/users", { body: { name: "test" } });
      const userId = String(user.json.id);
      const current = Number((await admin(`/users/${userId}`)).json.balance_credits);
      if (credits !== current) await admin(`/users/${userId}/credits`, { body: { credits: credits - current, reason: "test setup" } });
      const key = await admin(`/users/${userId}/keys`, { body: keyOptions });
      return { userId, key: String(key.json.key), keyId: String(key.json.id) };
    },
    async stop() {
      await sluice.stop();
      await openai.stop();
      await anthropic.stop();
      await gemini.stop();
      await testDb?.drop();
    },
  };
}
