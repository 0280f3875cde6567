// Pieces shared by the pass-through and the translating stream relays.
import type { TokenUsage } from "../protocols/usage.ts";

export type StreamOutcome = "complete" | "upstream_cut" | "client_closed";

export interface StreamBilling {
  usage: TokenUsage | null;
  /** True once the upstream's final usage report arrived (not a placeholder or partial one). */
  usageFinal: boolean;
  /** Characters of generated content relayed, for estimating output nobody reported. */
  deliveredChars: number;
  outcome: StreamOutcome;
}

/** Charges the request once; resolves to its cost in USD as a decimal string. */
export type StreamSettle = (billing: StreamBilling) => Promise<string>;

export type ReadResult = { kind: "chunk"; value: Uint8Array } | { kind: "end" } | { kind: "idle" };

/** One read, ended early when the upstream goes quiet for longer than idleMs (a stalled stream). */
export async function readWithIdleTimeout(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }, idleMs: number): Promise<ReadResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<ReadResult>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "idle" }), idleMs);
  });
  try {
    const read = reader.read().then(
      (r): ReadResult => (r.done || !r.value ? { kind: "end" } : { kind: "chunk", value: r.value }),
      // A reset upstream connection ends the stream like a cut one.
      (): ReadResult => ({ kind: "end" }),
    );
    return await Promise.race([read, idle]);
  } finally {
    clearTimeout(timer);
  }
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

function textLength(v: unknown): number {
  return typeof v === "string" ? v.length : 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Characters of generated content in an OpenAI chunk: text, reasoning, refusal, tool calls.
 * Cut-short streams are billed from this, so envelope JSON must not count.
 */
export function openaiChunkChars(chunk: unknown): number {
  const choices = isObject(chunk) ? chunk.choices : null;
  if (!Array.isArray(choices)) return 0;
  let n = 0;
  for (const choice of choices) {
    const d = isObject(choice) && isObject(choice.delta) ? choice.delta : null;
    if (!d) continue;
    n += textLength(d.content) + textLength(d.reasoning_content) + textLength(d.reasoning) + textLength(d.refusal);
    if (Array.isArray(d.tool_calls)) {
      for (const call of d.tool_calls) {
        if (isObject(call) && isObject(call.function)) n += textLength(call.function.name) + textLength(call.function.arguments);
      }
    }
  }
  return n;
}

/** Characters of generated content in an Anthropic content_block_delta: text, thinking, tool input JSON. */
export function anthropicEventChars(event: unknown): number {
  const d = isObject(event) ? event.delta : null;
  return isObject(d) ? textLength(d.text) + textLength(d.thinking) + textLength(d.partial_json) : 0;
}
