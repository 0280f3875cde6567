// Configuration comes from the environment only (ARCHITECTURE.md section 5). Parsed once,
// validated, and passed down explicitly so tests can build several instances side by side.

export const PROVIDER_IDS = [
  "openai",
  "anthropic",
  "gemini",
  "xai",
  "deepseek",
  "moonshot",
  "minimax",
  "qwen",
  "zhipu",
  "xiaomi",
  "openweight",
] as const;

export interface ProviderOverride {
  baseUrl?: string;
  apiKey?: string;
  kind?: string;
}

export interface Config {
  port: number;
  adminPort: number;
  host: string;
  databaseUrl: string | undefined;
  /** Read replica for reports (usage by day/model/key/user); unset: the primary. */
  databaseReplicaUrl: string | undefined;
  redisUrl: string | undefined;
  /** Redis Cluster seed nodes ("host:port"); when set, used instead of redisUrl. */
  redisClusterNodes: string[] | undefined;
  /** Ledger stream shards; also the Redis Cluster slots users are spread over. */
  ledgerShards: number;
  /** Prefix for every hot-store key; lets tests share one Redis. */
  redisPrefix: string;
  dataDir: string;
  adminToken: string | undefined;
  headerPrefix: string;
  /** USD per credit, as a decimal string (exact arithmetic downstream). */
  creditUsd: string;
  /** Largest accepted request body in bytes. */
  bodyLimitBytes: number;
  /** Credits given to a newly created user (the first key printed at start, sign-ups). */
  signupCredits: number;
  /** Limits for users without a plan (ARCHITECTURE: a default plan applies). */
  defaultLimits: { rpm: number; concurrency: number; spendCapCredits: number; spendWindowSeconds: number };
  /** Upper bound on how long a lease/hold lives if the instance dies before settling. */
  leaseMs: number;
  /** A client that leaves mid-stream: keep reading upstream this long for its usage report. */
  drainMs: number;
  /** At most this many such drains at once per instance. */
  maxDrains: number;
  /** A stream whose upstream sends nothing for this long is ended (stalled upstream). */
  streamIdleTimeoutMs: number;
  /** Upstream attempts per request across deployments (retries + fallbacks). */
  upstreamMaxAttempts: number;
  /** Time a request may spend on retries before the first byte. */
  upstreamRetryBudgetMs: number;
  /** Response headers must arrive within this. */
  upstreamFirstByteTimeoutMs: number;
  /** How often each instance checks that the hot store still holds its data. */
  hotStoreCheckMs: number;
  /** How often the ledger flusher drains the stream when idle. */
  flushIntervalMs: number;
  /** Reverse proxies of ours in front of the web console; 0: use the connection's peer. */
  trustProxyHops: number;
  providers: Record<string, ProviderOverride>;
  /** QRIS payments, invoices and plan billing (README "Configuration"). */
  payments: PaymentsConfig;
}

export interface PaymentsConfig {
  midtrans: { serverKey: string; baseUrl: string; merchantId: string | undefined } | null;
  xendit: { secretKey: string; callbackToken: string; baseUrl: string } | null;
  /** Which configured provider creates new QRIS charges. */
  provider: "midtrans" | "xendit" | null;
  /** PPN rate in basis points; IDR prices include it. */
  taxRateBps: number;
  /** Rupiah per credit, for refunds to the credit balance. */
  idrPerCredit: number;
  /** Secret from which the AES-256-GCM key for provider API keys at rest is derived. */
  providerKeySecret: string | undefined;
  /** How long a QRIS charge stays payable. */
  qrisExpiryMinutes: number;
  /** Period of the billing job (expiry, renewals, polling stale orders); 0 = not started. */
  jobIntervalMs: number;
}

function paymentsConfig(env: Record<string, string | undefined>): PaymentsConfig {
  const midtransKey = env.MIDTRANS_SERVER_KEY || undefined;
  const xenditKey = env.XENDIT_SECRET_KEY || undefined;
  const xenditToken = env.XENDIT_CALLBACK_TOKEN || undefined;
  if (xenditKey && !xenditToken) throw new Error("XENDIT_CALLBACK_TOKEN is required with XENDIT_SECRET_KEY (callbacks cannot be verified without it)");
  const midtrans = midtransKey
    ? {
        serverKey: midtransKey,
        // Sandbox keys start with "SB-"; the default URL follows the key so neither side is hit by mistake.
        baseUrl: (env.MIDTRANS_BASE_URL || (midtransKey.startsWith("SB-") ? "https://api.sandbox.midtrans.com" : "https://api.midtrans.com")).replace(/\/+$/, ""),
        merchantId: env.MIDTRANS_MERCHANT_ID || undefined,
      }
    : null;
  const xendit = xenditKey && xenditToken ? { secretKey: xenditKey, callbackToken: xenditToken, baseUrl: (env.XENDIT_BASE_URL || "https://api.xendit.co").replace(/\/+$/, "") } : null;
  const wanted = env.PAYMENT_PROVIDER || undefined;
  if (wanted !== undefined && wanted !== "midtrans" && wanted !== "xendit") throw new Error(`PAYMENT_PROVIDER must be midtrans or xendit, got "${wanted}"`);
  if (wanted === "midtrans" && !midtrans) throw new Error("PAYMENT_PROVIDER=midtrans needs MIDTRANS_SERVER_KEY");
  if (wanted === "xendit" && !xendit) throw new Error("PAYMENT_PROVIDER=xendit needs XENDIT_SECRET_KEY and XENDIT_CALLBACK_TOKEN");
  const idrPerCredit = int(env, "IDR_PER_CREDIT", 160);
  if (idrPerCredit === 0) throw new Error("IDR_PER_CREDIT must be positive");
  return {
    midtrans,
    xendit,
    provider: wanted ?? (midtrans ? "midtrans" : xendit ? "xendit" : null),
    taxRateBps: int(env, "TAX_RATE_BPS", 1100),
    idrPerCredit,
    providerKeySecret: env.PROVIDER_KEY_SECRET || undefined,
    qrisExpiryMinutes: Math.max(1, int(env, "QRIS_EXPIRY_MINUTES", 15)),
    jobIntervalMs: int(env, "BILLING_JOB_INTERVAL_MS", 30_000),
  };
}

function int(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function decimal(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const raw = env[name] ?? fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new Error(`${name} must be a decimal number like 0.01, got "${raw}"`);
  return raw;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const providers: Record<string, ProviderOverride> = {};
  for (const [name, value] of Object.entries(env)) {
    const m = /^PROVIDER_([A-Z0-9_]+)_(BASE_URL|API_KEY|KIND)$/.exec(name);
    if (!m || value === undefined || value === "") continue;
    const id = m[1]!.toLowerCase();
    const slot = (providers[id] ??= {});
    if (m[2] === "BASE_URL") slot.baseUrl = value.replace(/\/+$/, "");
    else if (m[2] === "API_KEY") slot.apiKey = value;
    else slot.kind = value;
  }
  const clusterNodes = env.REDIS_CLUSTER_NODES
    ? env.REDIS_CLUSTER_NODES.split(",").map((s) => s.trim()).filter((s) => s !== "")
    : undefined;
  return {
    port: int(env, "PORT", 8080),
    adminPort: int(env, "ADMIN_PORT", 8081),
    host: env.HOST || "127.0.0.1",
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReplicaUrl: env.DATABASE_REPLICA_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisClusterNodes: clusterNodes,
    // A single Redis gains nothing from more shards, and the flusher reads each one in turn;
    // a cluster spreads users over as many slots as there are shards.
    ledgerShards: int(env, "LEDGER_SHARDS", clusterNodes ? 16 : 4),
    redisPrefix: env.REDIS_PREFIX ?? "sluice:",
    dataDir: env.DATA_DIR || "./data",
    adminToken: env.ADMIN_TOKEN || undefined,
    headerPrefix: (env.HEADER_PREFIX || "x-sluice").toLowerCase(),
    creditUsd: decimal(env, "CREDIT_USD", "0.01"),
    bodyLimitBytes: int(env, "BODY_LIMIT_BYTES", 32 * 1024 * 1024),
    signupCredits: int(env, "SIGNUP_CREDITS", 200),
    defaultLimits: {
      rpm: int(env, "DEFAULT_RPM", 600),
      concurrency: int(env, "DEFAULT_CONCURRENCY", 20),
      spendCapCredits: int(env, "DEFAULT_SPEND_CAP_CREDITS", 0),
      spendWindowSeconds: int(env, "DEFAULT_SPEND_WINDOW_SECONDS", 5 * 3600),
    },
    leaseMs: int(env, "LEASE_MS", 15 * 60 * 1000),
    drainMs: int(env, "DRAIN_MS", 5_000),
    maxDrains: int(env, "MAX_DRAINS", 200),
    streamIdleTimeoutMs: int(env, "STREAM_IDLE_TIMEOUT_MS", 120_000),
    upstreamMaxAttempts: int(env, "UPSTREAM_MAX_ATTEMPTS", 4),
    upstreamRetryBudgetMs: int(env, "UPSTREAM_RETRY_BUDGET_MS", 30_000),
    upstreamFirstByteTimeoutMs: int(env, "UPSTREAM_FIRST_BYTE_TIMEOUT_MS", 120_000),
    hotStoreCheckMs: int(env, "HOT_STORE_CHECK_MS", 5_000),
    flushIntervalMs: int(env, "FLUSH_INTERVAL_MS", 200),
    trustProxyHops: int(env, "TRUST_PROXY_HOPS", 0),
    providers,
    payments: paymentsConfig(env),
  };
}
