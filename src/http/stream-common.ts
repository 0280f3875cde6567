// Pieces shared by the pass-through and the translating stream relays.
import type { TokenUsage } from "../protocols/usage.ts";
import { stringEnd } from "../protocols/model-field.ts";
import type { DeliveredOutput } from "../metering/delivered-output.ts";

export type StreamOutcome = "complete" | "upstream_cut" | "client_closed";

export interface StreamBilling {
  usage: TokenUsage | null;
  /** True once the upstream's final usage report arrived (not a placeholder or partial one). */
  usageFinal: boolean;
  /** Generated content relayed, counted as output when nobody reported it. */
  delivered: DeliveredOutput;
  outcome: StreamOutcome;
}

/** Charges the request once; resolves to its cost in USD as a decimal string. */
export type StreamSettle = (billing: StreamBilling) => Promise<string>;

export type ReadResult = { kind: "chunk"; value: Uint8Array } | { kind: "end" } | { kind: "idle" };

/**
 * Reads an upstream body, answering "idle" when a read waits longer than idleMs (a stalled
 * stream). One timer per stream, re-armed only when it fires: a timer and a race per read
 * cost more than relaying the chunk. Time the client takes to pull is not idle time.
 */
export class IdleReader {
  private pending: ((r: ReadResult) => void) | null = null;
  private readStartedAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> },
    private readonly idleMs: number,
  ) {}

  read(): Promise<ReadResult> {
    return new Promise<ReadResult>((resolve) => {
      this.pending = resolve;
      this.readStartedAt = performance.now();
      this.timer ??= setTimeout(this.onTimer, this.idleMs);
      this.reader.read().then(
        (r) => this.answer(resolve, r.done || !r.value ? { kind: "end" } : { kind: "chunk", value: r.value }),
        // A reset upstream connection ends the stream like a cut one.
        () => this.answer(resolve, { kind: "end" }),
      );
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private answer(resolve: (r: ReadResult) => void, result: ReadResult): void {
    // After an idle answer the late read result belongs to nobody.
    if (this.pending !== resolve) return;
    this.pending = null;
    resolve(result);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const pending = this.pending;
    if (!pending) return;
    const waited = performance.now() - this.readStartedAt;
    if (waited >= this.idleMs) {
      this.pending = null;
      pending({ kind: "idle" });
    } else {
      this.timer = setTimeout(this.onTimer, this.idleMs - waited);
    }
  };
}

/**
 * When a client leaves mid-stream, the gateway keeps reading the upstream for a bounded time
 * (and only a bounded number of such drains at once) so the upstream's own usage report can
 * be billed. Past either bound the upstream is aborted and the output is estimated.
 */
export interface DrainPolicy {
  maxMs: number;
  maxConcurrent: number;
  /** Drains under way in this instance (shared counter). */
  active: { count: number };
}

export async function startDrain(policy: DrainPolicy, work: { run(): Promise<void>; abort(): void }): Promise<void> {
  if (policy.maxMs <= 0 || policy.active.count >= policy.maxConcurrent) {
    work.abort();
    return;
  }
  policy.active.count++;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      work.run().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, policy.maxMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    policy.active.count--;
    work.abort();
  }
}

/**
 * The decoded string value of `key` (e.g. '"content":') when the key occurs once in the JSON
 * text; "" when absent or null; null when the shape is anything else (the caller parses
 * then). The key cannot match inside a string value: quotes there are escaped.
 */
export function soleString(json: string, key: string): string | null {
  const at = json.indexOf(key);
  if (at < 0) return "";
  if (json.indexOf(key, at + key.length) >= 0) return null;
  let v = at + key.length;
  while (json.charCodeAt(v) === 32) v++;
  if (json.startsWith("null", v)) return "";
  if (json.charCodeAt(v) !== 34) return null;
  const end = stringEnd(json, v);
  if (end < 0) return null;
  const raw = json.slice(v + 1, end - 1);
  if (!raw.includes("\\")) return raw;
  try {
    const s: unknown = JSON.parse(json.slice(v, end));
    return typeof s === "string" ? s : null;
  } catch {
    return null;
  }
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Generated content in an OpenAI chunk (or a whole completion: its messages): text,
 * reasoning, refusal, tool calls. Output nobody reported is billed from this, so envelope
 * JSON must not count.
 */
export function openaiChunkText(chunk: unknown): string {
  const choices = isObject(chunk) ? chunk.choices : null;
  if (!Array.isArray(choices)) return "";
  let out = "";
  for (const choice of choices) {
    const d = !isObject(choice) ? null : isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : null;
    if (!d) continue;
    out += text(d.reasoning_content) + text(d.reasoning) + text(d.content) + text(d.refusal);
    if (Array.isArray(d.tool_calls)) {
      for (const call of d.tool_calls) {
        if (isObject(call) && isObject(call.function)) out += text(call.function.name) + text(call.function.arguments);
      }
    }
  }
  return out;
}

/** Generated content in an Anthropic content_block_delta: text, thinking, tool input JSON. */
export function anthropicEventText(event: unknown): string {
  const d = isObject(event) ? event.delta : null;
  return isObject(d) ? text(d.text) + text(d.thinking) + text(d.partial_json) : "";
}
