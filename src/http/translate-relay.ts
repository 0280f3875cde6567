// Cross-protocol streaming: upstream SSE is parsed (eventsource-parser), translated event by
// event, and re-encoded in the client's protocol. Like the pass-through relay, the stream is
// settled before its closing events are sent, and a client that leaves triggers a bounded
// drain so the upstream's usage can be billed.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { encodeSseData, encodeSseEvent } from "../protocols/sse.ts";
import type { ClientProtocol } from "../protocols/errors.ts";
import { errorProtocolOf, type ClientApi } from "./bridges.ts";
import type { StreamTranslator, WireEvent } from "../protocols/translate/types.ts";
import { anthropicEventText, openaiChunkText, IdleReader, startDrain, type DrainPolicy, type StreamSettle } from "./stream-common.ts";
import { DeliveredOutput } from "../metering/delivered-output.ts";

export interface TranslateRelayOptions {
  upstream: ReadableStream<Uint8Array>;
  api: ClientApi;
  translator: StreamTranslator;
  includeCost: boolean;
  settle: StreamSettle;
  abortUpstream(): void;
  /** Removes what identifies the provider from an upstream error message. */
  scrub(message: string): string;
  idleTimeoutMs: number;
  drain: DrainPolicy;
}

const encoder = new TextEncoder();

/** Chat streams are data-only; Messages and Responses streams name every event. */
export function encodeWireEvents(api: ClientApi, events: WireEvent[]): string {
  let out = "";
  for (const ev of events) {
    const data = typeof ev.data === "string" ? ev.data : JSON.stringify(ev.data);
    out += api === "chat" ? encodeSseData(data) : encodeSseEvent(ev.event || eventType(ev.data), data);
  }
  return out;
}

function eventType(data: unknown): string {
  return data && typeof data === "object" && typeof (data as { type?: unknown }).type === "string"
    ? (data as { type: string }).type
    : "message";
}

export function relayTranslated(opts: TranslateRelayOptions): ReadableStream<Uint8Array> {
  const t = opts.translator;
  const reader = opts.upstream.getReader();
  const upstreamReads = new IdleReader(reader, opts.idleTimeoutMs);
  const decoder = new TextDecoder();
  let pending: WireEvent[] = [];
  const delivered = new DeliveredOutput();
  let settled: Promise<string> | null = null;
  let finished = false;
  let clientGone = false;
  const parser = createParser({
    onEvent(msg: EventSourceMessage) {
      let data: unknown = msg.data;
      if (msg.data !== "[DONE]") {
        try {
          data = JSON.parse(msg.data) as unknown;
        } catch {
          return; // a malformed event carries nothing we can translate
        }
      }
      if (t.state !== "streaming") return;
      const out = t.push({ event: msg.event ?? "", data });
      if (!clientGone) for (const ev of out) delivered.add(generatedText(opts.api, ev.data));
      pending = pending.concat(out);
    },
  });

  const settleOnce = (outcome: "complete" | "upstream_cut"): Promise<string> => {
    settled ??= opts.settle({
      usage: t.usage(),
      usageFinal: t.state === "complete",
      delivered,
      outcome: clientGone ? "client_closed" : outcome,
    });
    return settled;
  };

  async function step(): Promise<{ out: string; done: boolean }> {
    for (;;) {
      if (t.state === "complete") {
        const cost = await settleOnce("complete");
        const out = encodeWireEvents(opts.api, pending) + encodeWireEvents(opts.api, t.finish(opts.includeCost ? { cost_usd: cost } : undefined));
        pending = [];
        return { out, done: true };
      }
      if (t.state === "errored") {
        await settleOnce("upstream_cut");
        const upstream = t.upstreamError;
        const err = upstream
          ? { type: errorTypeFor(errorProtocolOf(opts.api), upstream.type), message: opts.scrub(upstream.message) }
          : { type: errorTypeFor(errorProtocolOf(opts.api), ""), message: "The upstream failed mid-stream." };
        const out = encodeWireEvents(opts.api, pending) + encodeWireEvents(opts.api, t.fail(err));
        pending = [];
        return { out, done: true };
      }
      if (pending.length > 0) {
        const out = encodeWireEvents(opts.api, pending);
        pending = [];
        return { out, done: false };
      }
      const read = await upstreamReads.read();
      if (read.kind === "chunk") {
        parser.feed(decoder.decode(read.value, { stream: true }));
        continue;
      }
      parser.feed(decoder.decode() + "\n\n");
      if (t.state !== "streaming") continue;
      if (read.kind === "idle") opts.abortUpstream();
      await settleOnce("upstream_cut");
      const out =
        encodeWireEvents(opts.api, pending) +
        encodeWireEvents(
          opts.api,
          t.fail({
            type: errorTypeFor(errorProtocolOf(opts.api), "api_error"),
            message:
              read.kind === "idle"
                ? "The upstream stopped sending; the stream was ended. You were billed only for what was delivered."
                : "The upstream stream ended before the response was complete. You were billed only for what was delivered.",
          }),
        );
      pending = [];
      return { out, done: true };
    }
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return;
      const { out, done } = await step();
      if (out) controller.enqueue(encoder.encode(out));
      if (done) {
        finished = true;
        upstreamReads.close();
        controller.close();
        void reader.cancel().catch(() => {});
      }
    },
    async cancel() {
      clientGone = true;
      if (finished) return;
      finished = true;
      await startDrain(opts.drain, {
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

const ANTHROPIC_TYPES = new Set(["invalid_request_error", "authentication_error", "permission_error", "not_found_error", "rate_limit_error", "timeout_error", "overloaded_error", "api_error", "billing_error"]);
const OPENAI_TYPES = new Set(["invalid_request_error", "server_error", "rate_limit_error", "authentication_error", "permission_error", "insufficient_quota"]);

function generatedText(api: ClientApi, data: unknown): string {
  if (api === "chat") return openaiChunkText(data);
  if (api === "messages") return anthropicEventText(data);
  const delta = data && typeof data === "object" ? (data as { delta?: unknown }).delta : undefined;
  return typeof delta === "string" ? delta : "";
}

/** An upstream error type as the client's SDK knows it (each protocol has its own names). */
function errorTypeFor(protocol: ClientProtocol, type: string): string {
  if (protocol === "anthropic") return ANTHROPIC_TYPES.has(type) ? type : type === "rate_limit_exceeded" ? "rate_limit_error" : "api_error";
  return OPENAI_TYPES.has(type) ? type : type === "overloaded_error" || type === "api_error" ? "server_error" : "server_error";
}
