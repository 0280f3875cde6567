// Shared helpers of the money-invariant tests (issue 4): exact USD <-> micro-credit
// conversion, SSE reading over plain fetch, polling with a deadline, ledger queries, free ports.
import { createServer } from "node:net";
import type { Executor } from "../../db/client.ts";

/** USD decimal string -> micro-credits at CREDIT_USD, exactly; throws if not a whole micro-credit. */
export function usdToMicro(usd: string, creditUsd: string): bigint {
  const toScaled = (s: string): { v: bigint; scale: number } => {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(s.trim());
    if (!m) throw new Error(`not a decimal: "${s}"`);
    const frac = m[2] ?? "";
    return { v: BigInt(m[1]! + frac), scale: frac.length };
  };
  const u = toScaled(usd);
  const r = toScaled(creditUsd);
  // micro = usd / rate * 1e6 = (u.v / 10^u.scale) / (r.v / 10^r.scale) * 10^6
  const num = u.v * 10n ** BigInt(r.scale) * 1_000_000n;
  const den = r.v * 10n ** BigInt(u.scale);
  if (num % den !== 0n) throw new Error(`${usd} USD is not a whole number of micro-credits at ${creditUsd} USD/credit`);
  return num / den;
}

export async function pollUntil<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await Bun.sleep(everyMs);
  }
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Splits an SSE text into events (LF or CRLF). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  for (const block of text.replace(/\r\n/g, "\n").split("\n\n")) {
    if (!block.trim()) continue;
    let event = "";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    out.push({ event, data: data.join("\n") });
  }
  return out;
}

/** Reads an SSE body event by event; `onEvent` returning true stops reading (the caller then aborts). */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent?: (e: SseEvent, index: number) => boolean | void): Promise<{ events: SseEvent[]; stopped: boolean }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const events: SseEvent[] = [];
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    buffer += decoder.decode(r.value, { stream: true }).replace(/\r\n/g, "\n");
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end + 2);
      buffer = buffer.slice(end + 2);
      for (const e of parseSse(block)) {
        events.push(e);
        if (onEvent?.(e, events.length - 1) === true) {
          reader.releaseLock();
          return { events, stopped: true };
        }
      }
    }
  }
  if (buffer.trim()) events.push(...parseSse(buffer));
  return { events, stopped: false };
}

export interface LedgerRow {
  event_id: string;
  kind: string;
  user_id: string;
  amount_micro: bigint;
  model_id: string | null;
  input_tokens: number;
  output_tokens: number;
  estimated: boolean;
  status: string;
}

export async function ledgerRows(db: Executor, userId: string, kind?: string): Promise<LedgerRow[]> {
  const rows = await db.rows<Record<string, unknown>>(
    `select event_id, kind, user_id, amount_micro::text as amount_micro, model_id, input_tokens, output_tokens, estimated, status
       from ledger where user_id = $1 ${kind ? "and kind = $2" : ""} order by id`,
    kind ? [userId, kind] : [userId],
  );
  return rows.map((r) => ({
    event_id: String(r.event_id),
    kind: String(r.kind),
    user_id: String(r.user_id),
    amount_micro: BigInt(String(r.amount_micro)),
    model_id: r.model_id === null ? null : String(r.model_id),
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    estimated: r.estimated === true || r.estimated === "t",
    status: String(r.status),
  }));
}

export async function pgBalance(db: Executor, userId: string): Promise<bigint> {
  const rows = await db.rows<{ b: string }>("select balance_micro::text as b from users where id = $1", [userId]);
  if (!rows[0]) throw new Error(`no user ${userId}`);
  return BigInt(rows[0].b);
}

export function sum(values: bigint[]): bigint {
  return values.reduce((a, b) => a + b, 0n);
}

/** A TCP port that was free a moment ago (bind 0, read, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Deletes every Redis key under `prefix` (tests share one Redis; each uses its own prefix). */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  const { default: Redis } = await import("ioredis");
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on("error", () => {});
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
  return deleted;
}
