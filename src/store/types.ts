// The hot store holds everything the request path needs that changes at run time:
// API key records, balances and holds, rate-limit windows, concurrency leases, and the
// ledger stream that the flusher drains into Postgres. Two implementations share this
// contract and one test suite: redis (many instances) and memory (one embedded instance).

/** What the gateway needs to know about an API key, cached per instance. */
export interface KeyRecord {
  keyId: string;
  userId: string;
  status: "active" | "revoked";
  /** Public model ids this key may call; null = every model. */
  allowedModels: string[] | null;
  /** Effective limits (plan limits, lowered by per-key overrides). */
  limits: Limits;
}

export interface Limits {
  /** Requests per rolling 60 s window; 0 = unlimited. */
  rpm: number;
  /** Requests in flight at once; 0 = unlimited. */
  concurrency: number;
  /** Rolling spend cap in micro-credits; 0 = unlimited. */
  spendCapMicro: bigint;
  /** Length of the rolling spend window in seconds. */
  spendWindowSeconds: number;
}

export interface AdmissionRequest {
  requestId: string;
  userId: string;
  limits: Limits;
  /** Micro-credits held against the balance until settlement. */
  holdMicro: bigint;
  /** Lease and hold expire on their own after this long if never settled (instance died). */
  leaseMs: number;
  nowMs: number;
}

export type AdmissionResult =
  | {
      ok: true;
      rpmRemaining: number | null;
      concurrentRemaining: number | null;
      /** Spend cap minus spend in window minus this hold; null when uncapped. */
      windowSpendRemainingMicro: bigint | null;
      balanceMicro: bigint;
    }
  | {
      ok: false;
      reason: "balance" | "rpm" | "concurrency" | "spend";
      /** Seconds until retrying can succeed (429 only). */
      retryAfterSeconds: number;
      balanceMicro: bigint;
    };

/** One usage row as the flusher will write it to the ledger table. */
export interface LedgerEntry {
  /** Unique per billable event; the ledger table's idempotency key. */
  eventId: string;
  kind: "usage" | "topup" | "adjustment" | "refund" | "plan_credit";
  userId: string;
  keyId: string | null;
  /** Signed: usage is negative, credits positive. Decimal string of a bigint. */
  amountMicro: string;
  modelId: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** Prices used, micro-credits per 1M tokens, decimal strings. */
  prices: { input: string; output: string; cacheRead: string; cacheWrite: string } | null;
  catalogVersion: number | null;
  estimated: boolean;
  status: "ok" | "partial" | "client_closed";
  createdAtMs: number;
  meta?: Record<string, string | number | boolean | null>;
}

export interface SettlementRequest {
  requestId: string;
  userId: string;
  /** Actual cost, >= 0. */
  costMicro: bigint;
  limits: Limits;
  nowMs: number;
  /** Null for a failed request: release lease and hold, bill nothing, write no entry. */
  entry: LedgerEntry | null;
}

export interface SettlementResult {
  /** False when this request id was already settled (or its lease expired): nothing changed. */
  applied: boolean;
  balanceMicro: bigint;
}

export interface StreamedEntry {
  /** Stream id (redis: "1700000000000-0"), used to ack. */
  id: string;
  entry: LedgerEntry;
}

export interface HotStore {
  readonly kind: "redis" | "memory";

  ping(): Promise<boolean>;
  close(): Promise<void>;

  // API keys, by SHA-256 hex of the key.
  getKey(hash: string): Promise<KeyRecord | null>;
  putKey(hash: string, record: KeyRecord): Promise<void>;
  deleteKey(hash: string): Promise<void>;

  // Cross-instance notifications (key revoked, catalog changed). The memory store
  // delivers to its own subscribers synchronously.
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<void>;

  // Balances (micro-credits). Postgres is the source of truth; the hot copy is what
  // admission checks against.
  /** Sets the balance only if the hot store has none for this user. Returns the balance now held. */
  initBalance(userId: string, balanceMicro: bigint): Promise<bigint>;
  /** Overwrites the balance (reconcile). */
  setBalance(userId: string, balanceMicro: bigint): Promise<void>;
  /** Adds a signed delta (top-up, adjustment). Creates the balance at delta if absent. */
  addBalance(userId: string, deltaMicro: bigint): Promise<bigint>;
  getBalance(userId: string): Promise<bigint | null>;

  /** One round trip: RPM window, concurrency lease, spend window, balance hold. */
  admit(req: AdmissionRequest): Promise<AdmissionResult>;
  /** One round trip: release lease + hold, charge cost, add spend, append ledger entry. */
  settle(req: SettlementRequest): Promise<SettlementResult>;

  // Ledger stream (consumer group semantics).
  /** Appends an entry that did not come through settle (top-ups written by admin go to Postgres directly; this is for tests and reconcile). */
  appendLedger(entry: LedgerEntry): Promise<string>;
  /** New entries for this consumer, at most `count`, waiting up to blockMs when none. */
  readLedger(consumer: string, count: number, blockMs: number): Promise<StreamedEntry[]>;
  /** Entries delivered to some consumer but not acked for minIdleMs, taken over by this one. */
  claimLedger(consumer: string, minIdleMs: number, count: number): Promise<StreamedEntry[]>;
  ackLedger(ids: string[]): Promise<void>;
  /** Entries appended and not yet acked (ledger lag), and the oldest one's age in ms. */
  ledgerLag(nowMs: number): Promise<{ pending: number; oldestAgeMs: number }>;
  /** Every entry not yet acked, delivered or not (reconciling balances after a hot-store loss). */
  pendingLedger(): Promise<LedgerEntry[]>;

  /**
   * Sets a marker if absent and says whether this call set it. A marker that disappears
   * means the hot store lost its data; the caller that re-sets it repopulates the store.
   */
  claimMarker(name: string): Promise<boolean>;
}
