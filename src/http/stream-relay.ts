// Same-protocol streaming: upstream SSE bytes go to the client unchanged except the model
// field, while a tap reads usage from the few events that carry it. The stream is settled
// (cost charged, ledger entry appended) before its final event leaves, so every stream the
// client saw complete has its ledger entry. Nothing is buffered beyond one partial event.
import { rewriteModelField } from "../protocols/model-field.ts";
import { encodeSseData, encodeSseEvent, SseFramer, sseData, sseEventName } from "../protocols/sse.ts";
import { mergeAnthropicUsage, usageFromAnthropic, usageFromOpenAI, type TokenUsage } from "../protocols/usage.ts";
import type { ClientProtocol } from "../protocols/errors.ts";

export type StreamOutcome = "complete" | "upstream_cut" | "client_closed";

export interface RelayOptions {
  upstream: ReadableStream<Uint8Array>;
  protocol: ClientProtocol;
  publicModel: string;
  /** The client did not ask for the OpenAI usage chunk (we asked upstream for it to meter). */
  stripUsageChunk: boolean;
  /** Add `cost_usd` to the final usage event. */
  includeCost: boolean;
  /** Charges the request; resolves to the cost in USD as a decimal string. Called once. */
  settle(usage: TokenUsage | null, deliveredChars: number, outcome: StreamOutcome): Promise<string>;
  /** Called when the client goes away, to stop the upstream request. */
  abortUpstream(): void;
}

const encoder = new TextEncoder();

export function relaySse(opts: RelayOptions): ReadableStream<Uint8Array> {
  const reader = opts.upstream.getReader();
  const decoder = new TextDecoder();
  const framer = new SseFramer();
  let usage: TokenUsage | null = null;
  let settled: Promise<string> | null = null;
  let delivered = 0;
  let finished = false;

  const settleOnce = (outcome: StreamOutcome): Promise<string> => {
    settled ??= opts.settle(usage, delivered, outcome);
    return settled;
  };

  /** Returns the text to send for one upstream event ("" to drop it), and whether it ends the stream. */
  async function onEvent(raw: string): Promise<{ out: string; last: boolean }> {
    if (opts.protocol === "openai") {
      const data = sseData(raw);
      if (data === "[DONE]") {
        await settleOnce("complete");
        return { out: raw, last: true };
      }
      if (data.startsWith('{"error"')) {
        // The upstream failed mid-stream and said so in its own protocol: relay it as the end.
        await settleOnce("upstream_cut");
        return { out: raw, last: true };
      }
      if (data.includes('"usage"') && !data.includes('"usage":null')) {
        const chunk = parseObject(data);
        if (chunk && chunk.usage && typeof chunk.usage === "object") {
          usage = usageFromOpenAI(chunk.usage);
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
      delivered += data.length;
      return { out: rewriteModelField(raw, opts.publicModel), last: false };
    }

    const name = sseEventName(raw);
    switch (name) {
      case "message_start": {
        const msg = parseObject(sseData(raw))?.message;
        if (msg && typeof msg === "object") usage = usageFromAnthropic((msg as Record<string, unknown>).usage);
        return { out: rewriteModelField(raw, opts.publicModel), last: false };
      }
      case "message_delta": {
        const delta = parseObject(sseData(raw));
        if (delta) usage = mergeAnthropicUsage(usage ?? usageFromAnthropic(null), delta.usage);
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
        return { out: raw, last: true };
      default:
        delivered += raw.length;
        return { out: raw, last: false };
    }
  }

  /** A stream that ends without its final event gets a well-formed error event of its protocol. */
  function cutNotice(): string {
    const message = "The upstream stream ended before the response was complete.";
    return opts.protocol === "openai"
      ? encodeSseData(JSON.stringify({ error: { message, type: "server_error", param: null, code: "upstream_stream_cut" } }))
      : encodeSseEvent("error", JSON.stringify({ type: "error", error: { type: "api_error", message } }));
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (finished) return;
        let chunk: Uint8Array | null;
        try {
          const r = await reader.read();
          chunk = r.done ? null : r.value;
        } catch {
          // A reset upstream connection ends the stream like a cut one.
          chunk = null;
        }
        if (chunk === null) {
          finished = true;
          const rest = framer.flush() + decoder.decode();
          let out = "";
          if (rest.trim()) out += (await onEvent(rest)).out;
          if (!settled) {
            await settleOnce("upstream_cut");
            out += cutNotice();
          }
          if (out) controller.enqueue(encoder.encode(out));
          controller.close();
          return;
        }
        let out = "";
        let last = false;
        for (const raw of framer.push(decoder.decode(chunk, { stream: true }))) {
          const r = await onEvent(raw);
          out += r.out;
          if (r.last) {
            last = true;
            break;
          }
        }
        if (last) {
          finished = true;
          if (out) controller.enqueue(encoder.encode(out));
          controller.close();
          void reader.cancel().catch(() => {});
          return;
        }
        if (out) {
          controller.enqueue(encoder.encode(out));
          return;
        }
      }
    },
    async cancel() {
      finished = true;
      opts.abortUpstream();
      await reader.cancel().catch(() => {});
      await settleOnce("client_closed");
    },
  });
}

function parseObject(data: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(data);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
