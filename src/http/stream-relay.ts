// Same-protocol streaming: upstream SSE bytes go to the client unchanged except the model
// field, while a tap reads usage from the few events that carry it. The stream is settled
// (cost charged, ledger entry appended) before its final event leaves, so every stream the
// client saw complete has its ledger entry. Nothing is buffered beyond one partial event.
import { rewriteModelField } from "../protocols/model-field.ts";
import { encodeSseData, encodeSseEvent, SseFramer, sseData, sseEventName } from "../protocols/sse.ts";
import { mergeAnthropicUsage, usageFromAnthropic, usageFromOpenAI, usageFromResponses, type TokenUsage } from "../protocols/usage.ts";
import type { PassThroughWire } from "./bridges.ts";
import { anthropicEventText, openaiChunkText, soleString, IdleReader, type StreamSettle, type DrainPolicy, startDrain } from "./stream-common.ts";
import { DeliveredOutput } from "../metering/delivered-output.ts";

export interface RelayOptions {
  upstream: ReadableStream<Uint8Array>;
  wire: PassThroughWire;
  publicModel: string;
  /** The client did not ask for the OpenAI usage chunk (we asked upstream for it to meter). */
  stripUsageChunk: boolean;
  /** Add `cost_usd` to the final usage event. */
  includeCost: boolean;
  settle: StreamSettle;
  abortUpstream(): void;
  /** Removes what identifies the provider from an upstream error message. */
  scrub(message: string): string;
  idleTimeoutMs: number;
  drain: DrainPolicy;
}

const encoder = new TextEncoder();

export function relaySse(opts: RelayOptions): ReadableStream<Uint8Array> {
  const reader = opts.upstream.getReader();
  const upstreamReads = new IdleReader(reader, opts.idleTimeoutMs);
  const decoder = new TextDecoder();
  const framer = new SseFramer();
  let usage: TokenUsage | null = null;
  /** The upstream's final usage report arrived (not just message_start's placeholder). */
  let usageFinal = false;
  let settled: Promise<string> | null = null;
  const delivered = new DeliveredOutput();
  let finished = false;
  let clientGone = false;

  const settleOnce = (outcome: "complete" | "upstream_cut"): Promise<string> => {
    settled ??= opts.settle({ usage, usageFinal, delivered, outcome: clientGone ? "client_closed" : outcome });
    return settled;
  };

  /** The text to send for one upstream event ("" to drop it), and whether it ends the stream. */
  async function onEvent(raw: string): Promise<{ out: string; last: boolean }> {
    if (opts.wire === "openai-responses") return onResponsesEvent(raw);
    if (opts.wire === "openai-chat") {
      const data = sseData(raw);
      if (data === "[DONE]") {
        await settleOnce("complete");
        return { out: raw, last: true };
      }
      if (data.startsWith('{"error"')) {
        // The upstream failed mid-stream and said so in its own protocol: relay it as the end,
        // with the provider scrubbed from its message.
        await settleOnce("upstream_cut");
        return { out: scrubErrorEvent(raw, data, opts.scrub, (json) => encodeSseData(json)), last: true };
      }
      if (data.includes('"usage"') && !data.includes('"usage":null')) {
        const chunk = parseObject(data);
        if (chunk && chunk.usage && typeof chunk.usage === "object") {
          usage = usageFromOpenAI(chunk.usage);
          usageFinal = true;
          const isUsageChunk = Array.isArray(chunk.choices) && chunk.choices.length === 0;
          if (isUsageChunk) {
            const cost = await settleOnce("complete");
            if (opts.stripUsageChunk) return { out: "", last: false };
            if (opts.includeCost) {
              (chunk.usage as Record<string, unknown>).cost_usd = cost;
              chunk.model = opts.publicModel;
              return { out: encodeSseData(JSON.stringify(chunk)), last: false };
            }
          }
        }
      }
      // Only generated text counts toward an output estimate, not the JSON around it, and
      // only what reaches the client (events read while draining after it left do not).
      if (!clientGone) delivered.add(openaiContentText(data));
      return { out: rewriteModelField(raw, opts.publicModel), last: false };
    }

    switch (sseEventName(raw)) {
      case "message_start": {
        const msg = parseObject(sseData(raw))?.message;
        if (msg && typeof msg === "object") usage = usageFromAnthropic((msg as Record<string, unknown>).usage);
        return { out: rewriteModelField(raw, opts.publicModel), last: false };
      }
      case "message_delta": {
        const delta = parseObject(sseData(raw));
        if (delta) {
          usage = mergeAnthropicUsage(usage ?? usageFromAnthropic(null), delta.usage);
          usageFinal = true;
        }
        if (opts.includeCost && delta && delta.usage && typeof delta.usage === "object") {
          (delta.usage as Record<string, unknown>).cost_usd = await settleOnce("complete");
          return { out: encodeSseEvent("message_delta", JSON.stringify(delta)), last: false };
        }
        return { out: raw, last: false };
      }
      case "message_stop":
        await settleOnce("complete");
        return { out: raw, last: true };
      case "error":
        await settleOnce("upstream_cut");
        return { out: scrubErrorEvent(raw, sseData(raw), opts.scrub, (json) => encodeSseEvent("error", json)), last: true };
      case "content_block_delta":
        if (!clientGone) delivered.add(anthropicDeltaText(sseData(raw)));
        return { out: raw, last: false };
      default:
        return { out: raw, last: false };
    }
  }

  /**
   * Responses API events: the terminal one (completed, incomplete, failed) carries the usage
   * and the whole response; it is settled before it leaves.
   */
  async function onResponsesEvent(raw: string): Promise<{ out: string; last: boolean }> {
    const name = sseEventName(raw);
    if (name === "response.completed" || name === "response.incomplete" || name === "response.failed") {
      const event = parseObject(sseData(raw));
      const response = event?.response;
      if (response && typeof response === "object" && (response as Record<string, unknown>).usage) {
        usage = usageFromResponses((response as Record<string, unknown>).usage);
        usageFinal = true;
      }
      const cost = await settleOnce(name === "response.failed" ? "upstream_cut" : "complete");
      if (opts.includeCost && usage && event && response && typeof response === "object") {
        const r = response as Record<string, unknown>;
        if (r.usage && typeof r.usage === "object") (r.usage as Record<string, unknown>).cost_usd = cost;
        r.model = opts.publicModel;
        return { out: encodeSseEvent(name, JSON.stringify(event)), last: true };
      }
      return { out: rewriteModelField(raw, opts.publicModel), last: true };
    }
    if (name === "error") return { out: scrubErrorEvent(raw, sseData(raw), opts.scrub, (json) => encodeSseEvent("error", json), true), last: false };
    if (!clientGone && name.endsWith(".delta")) {
      const delta = parseObject(sseData(raw))?.delta;
      if (typeof delta === "string") delivered.add(delta);
    }
    return { out: name.startsWith("response.") && !name.includes(".delta") ? rewriteModelField(raw, opts.publicModel) : raw, last: false };
  }

  /** A stream that ends without its final event gets a well-formed error event of its protocol. */
  function cutNotice(message: string): string {
    if (opts.wire === "openai-chat") {
      return encodeSseData(JSON.stringify({ error: { message, type: "server_error", param: null, code: "upstream_stream_cut" } }));
    }
    if (opts.wire === "openai-responses") {
      return encodeSseEvent("error", JSON.stringify({ type: "error", code: "server_error", message, param: null }));
    }
    return encodeSseEvent("error", JSON.stringify({ type: "error", error: { type: "api_error", message } }));
  }

  /** Reads and processes upstream until an event worth sending (or the end). */
  async function step(): Promise<{ out: string; done: boolean }> {
    for (;;) {
      const read = await upstreamReads.read();
      if (read.kind !== "chunk") {
        finished = true;
        const rest = framer.flush() + decoder.decode();
        let out = "";
        if (rest.trim()) {
          const r = await onEvent(rest);
          out += r.out;
          if (r.last) return { out, done: true };
        }
        if (!settled) {
          await settleOnce("upstream_cut");
          out += cutNotice(
            read.kind === "idle"
              ? "The upstream stopped sending; the stream was ended. You were billed only for what was delivered."
              : "The upstream stream ended before the response was complete. You were billed only for what was delivered.",
          );
        }
        if (read.kind === "idle") opts.abortUpstream();
        return { out, done: true };
      }
      let out = "";
      for (const raw of framer.push(decoder.decode(read.value, { stream: true }))) {
        const r = await onEvent(raw);
        out += r.out;
        if (r.last) {
          finished = true;
          void reader.cancel().catch(() => {});
          return { out, done: true };
        }
      }
      if (out) return { out, done: false };
    }
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return;
      const { out, done } = await step();
      if (out) controller.enqueue(encoder.encode(out));
      if (done) {
        upstreamReads.close();
        controller.close();
      }
    },
    async cancel() {
      clientGone = true;
      if (finished) return;
      finished = true;
      await startDrain(opts.drain, {
        // Keep reading so the upstream's own usage report can be billed instead of an estimate.
        run: async () => {
          while (!settled) {
            const { done } = await step();
            if (done) break;
          }
        },
        abort: () => {
          opts.abortUpstream();
          void reader.cancel().catch(() => {});
        },
      });
      upstreamReads.close();
      await settleOnce("upstream_cut");
    },
  });
}

/** Re-encodes an upstream error event with the provider scrubbed from its message (nested, or top-level for the Responses API). */
function scrubErrorEvent(raw: string, data: string, scrub: (m: string) => string, encode: (json: string) => string, topLevel = false): string {
  const parsed = parseObject(data);
  const error = topLevel ? parsed : parsed?.error;
  if (!parsed || !error || typeof error !== "object") return raw;
  const e = error as Record<string, unknown>;
  if (typeof e.message === "string") e.message = scrub(e.message);
  return encode(JSON.stringify(parsed));
}

function parseObject(data: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(data);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Generated content in an OpenAI chunk. Nearly every event is a plain text delta: its one
 * string is read without parsing the chunk; anything else is parsed.
 */
function openaiContentText(data: string): string {
  if (!data.includes('"delta"')) return "";
  if (!data.includes('"tool_calls"') && !data.includes('"reasoning') && !data.includes('"refusal":"')) {
    const text = soleString(data, '"content":');
    if (text !== null) return text;
  }
  return openaiChunkText(parseObject(data));
}

/** The same for an Anthropic content_block_delta; text deltas take the short way. */
function anthropicDeltaText(data: string): string {
  if (data.includes('"text_delta"')) {
    const text = soleString(data, '"text":');
    if (text !== null) return text;
  }
  return anthropicEventText(parseObject(data));
}
