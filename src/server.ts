// Wires one Sluice instance: database (Postgres or embedded PGlite), hot store (Redis or
// memory), catalog, gateway app, admin app, ledger flusher. Used by `npm start`, the demo,
// the tests and the benchmarks alike.
import { hostname } from "node:os";
import type { Config } from "./config.ts";
import { openDatabase, type Database } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { seedCatalog } from "../db/seed.ts";
import { readCatalogRows } from "../db/catalog-repo.ts";
import { keepLedgerPartitions } from "../db/ledger-partitions.ts";
import { ensureAdminToken } from "../db/admin-token.ts";
import { createKey, createUser, syncHotStore } from "../db/accounts.ts";
import { LedgerFlusher } from "../db/flusher.ts";
import { reconcileBalances } from "../db/reconcile.ts";
import { createAdminApp, type AdminDeps } from "../admin/app.ts";
import { createHotStore } from "./store/index.ts";
import type { HotStore } from "./store/types.ts";
import { CATALOG_CHANNEL } from "./store/keys.ts";
import { Catalog } from "./routing/catalog.ts";
import { CatalogRefresh } from "./routing/catalog-refresh.ts";
import { KeyAuthenticator } from "./http/auth.ts";
import { createGatewayApp } from "./http/app.ts";
import { creditsToMicro } from "./metering/money.ts";
import { openProviderKeyBox } from "../db/provider-keys.ts";
import { createPaymentProviders } from "./payments/index.ts";
import { startBillingJobs } from "./payments/jobs.ts";
import type { BillingDeps } from "./payments/deps.ts";
import { Cooldowns } from "./routing/cooldown.ts";
import { DEFAULT_POLICY } from "./routing/dispatch.ts";
import { Metrics } from "./observability/metrics.ts";
import { Elysia } from "elysia";
import { opsRoutes } from "../admin/routes/ops.ts";
import { adminPanel } from "../web/admin/index.ts";

export interface Sluice {
  config: Config;
  database: Database;
  store: HotStore;
  flusher: LedgerFlusher;
  gatewayUrl: string;
  adminUrl: string;
  /** Set only when this start generated the admin token. */
  generatedAdminToken: string | null;
  /** Set only on the very first start: a user with signup credit and this key. */
  firstKey: string | null;
  catalog(): Catalog;
  cooldowns: Cooldowns;
  metrics: Metrics;
  reloadCatalog(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Use port 0 for both servers (tests). */
  ephemeralPorts?: boolean;
  /** Include process metrics (CPU, memory, event loop) in /metrics; off in tests. */
  processMetrics?: boolean;
  /** Create a first user and key when the database has no users. */
  bootstrapFirstKey?: boolean;
  fetch?: typeof fetch;
}

const FIRST_START_LOCK = 74_201_338;
const HOT_STORE_MARKER = "populated";

/**
 * A hot store that restarts empty would refuse every key (no records) until some instance
 * restarted. Every few seconds each instance checks a marker; the one that finds it gone
 * repopulates keys and balances from Postgres.
 */
function watchHotStore(database: Database, store: HotStore, config: Config): { stop(): void } {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      if (!(await store.claimMarker(HOT_STORE_MARKER))) return;
      console.warn("[sluice] the hot store lost its data: repopulating keys and balances from Postgres");
      await syncHotStore(database, store, config.defaultLimits);
      await reconcileBalances(database, store);
    })()
      .catch((err: unknown) => console.error("[sluice] hot store check failed:", err instanceof Error ? err.message : err))
      .finally(() => {
        busy = false;
      });
  }, config.hotStoreCheckMs);
  return { stop: () => clearInterval(timer) };
}

export async function startSluice(config: Config, opts: StartOptions = {}): Promise<Sluice> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(database);
  const partitions = await keepLedgerPartitions(database);
  await database.exclusive(FIRST_START_LOCK, (tx) => seedCatalog(tx));
  // Usage reports scan the ledger; on a replica they stay off the primary the flusher writes.
  const reportsDatabase = config.databaseReplicaUrl && config.databaseUrl ? await openDatabase({ databaseUrl: config.databaseReplicaUrl }) : database;
  const store = createHotStore({
    redisUrl: config.redisUrl,
    redisClusterNodes: config.redisClusterNodes,
    prefix: config.redisPrefix,
    ledgerShards: config.ledgerShards,
  });

  const providerKeys = await openProviderKeyBox(database, config.payments.providerKeySecret);
  const readCatalog = async () => Catalog.fromRows(await readCatalogRows(database, providerKeys), config.providers);
  let catalog = await readCatalog();
  const catalogRefresh = new CatalogRefresh(async () => {
    catalog = await readCatalog();
  });
  const reloadCatalog = () => catalogRefresh.refresh();
  await store.subscribe(CATALOG_CHANNEL, () => catalogRefresh.announce());
  catalogRefresh.start();

  const admin = await ensureAdminToken(database, config.adminToken);
  await syncHotStore(database, store, config.defaultLimits);
  await store.claimMarker(HOT_STORE_MARKER);
  const watchdog = watchHotStore(database, store, config);

  let firstKey: string | null = null;
  if (opts.bootstrapFirstKey) {
    const existing = await database.rows<{ n: number }>("select count(*)::int as n from users");
    if ((existing[0]?.n ?? 0) === 0) {
      const userId = await createUser(database, store, {
        name: "first user",
        signupMicro: creditsToMicro(config.signupCredits),
        actor: "bootstrap",
      });
      firstKey = (await createKey(database, store, config.defaultLimits, { userId, name: "first key", actor: "bootstrap" })).key;
    }
  }

  const auth = new KeyAuthenticator(store);
  await auth.start();

  const metrics = new Metrics({ defaults: opts.processMetrics ?? false });
  const cooldowns = new Cooldowns(store);
  await cooldowns.start();

  const startedAt = Date.now();
  const ready = async () => (await database.ping()) && (await store.ping()) && catalog.listActive().length > 0;
  const billing: BillingDeps = {
    database,
    store,
    providers: createPaymentProviders(config.payments),
    payments: config.payments,
    defaultLimits: config.defaultLimits,
  };
  const gateway = createGatewayApp({
    billing,
    reports: reportsDatabase,
    config,
    catalog: () => catalog,
    store,
    auth,
    cooldowns,
    metrics,
    policy: {
      ...DEFAULT_POLICY,
      maxAttempts: config.upstreamMaxAttempts,
      budgetMs: config.upstreamRetryBudgetMs,
      firstByteTimeoutMs: config.upstreamFirstByteTimeoutMs,
    },
    startedAt,
    ready,
    fetch: opts.fetch,
  }).listen({
    port: opts.ephemeralPorts ? 0 : config.port,
    hostname: config.host,
    maxRequestBodySize: config.bodyLimitBytes + 1024 * 1024,
    // Long generations stream for minutes; Bun's default idle timeout (10 s) would cut them.
    idleTimeout: 255,
  });
  const adminDeps: AdminDeps = {
    database,
    store,
    adminTokenHash: admin.hash,
    cooldowns,
    defaultLimits: config.defaultLimits,
    signupMicro: creditsToMicro(config.signupCredits),
    billing,
    providerKeys,
    reports: reportsDatabase,
  };
  // /metrics sits beside the admin API, outside its token check, for Prometheus scrapers on
  // the private admin port.
  const adminApp = new Elysia()
    .use(createAdminApp(adminDeps))
    .use(opsRoutes({ metrics, cooldowns, store }))
    // The web admin panel (/admin), a client of the same admin API.
    .use(adminPanel({ admin: adminDeps, metrics, ready, startedAt, trustProxyHops: config.trustProxyHops }))
    .listen({ port: opts.ephemeralPorts ? 0 : config.adminPort, hostname: config.host });

  const flusher = new LedgerFlusher(database, store, {
    consumer: `${hostname()}:${process.pid}:${startedAt}`,
    intervalMs: config.flushIntervalMs,
  });
  flusher.start();
  const stopBillingJobs = startBillingJobs(billing, config.payments.jobIntervalMs);

  const url = (port: number | undefined) => `http://${config.host}:${port}`;
  return {
    config,
    database,
    store,
    flusher,
    gatewayUrl: url(gateway.server?.port),
    adminUrl: url(adminApp.server?.port),
    generatedAdminToken: admin.generated,
    firstKey,
    catalog: () => catalog,
    cooldowns,
    metrics,
    reloadCatalog,
    async stop() {
      watchdog.stop();
      partitions.stop();
      catalogRefresh.stop();
      await stopBillingJobs();
      await gateway.stop(true);
      await adminApp.stop(true);
      await flusher.stop();
      await store.close();
      if (reportsDatabase !== database) await reportsDatabase.close();
      await database.close();
    },
  };
}
