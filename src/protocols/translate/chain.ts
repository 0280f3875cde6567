// Composition of stream translators: e.g. an OpenAI client over Gemini runs Gemini ->
// Anthropic events -> OpenAI chunks. Nest calls for longer chains.
import type { TokenUsage } from "../usage.ts";
import type { StreamState, StreamTranslator, WireEvent } from "./types.ts";

/**
 * `first` reads the upstream, `second` writes for the client. When `first` completes, its
 * closing events are pushed into `second` at once, so the chain completes on the same
 * upstream event. Usage and upstream errors come from `first`, which sees the upstream.
 */
export function chainStreams(first: StreamTranslator, second: StreamTranslator): StreamTranslator {
  let flushed = false;

  const feed = (events: WireEvent[]): WireEvent[] => events.flatMap((e) => second.push(e));

  return {
    push(ev: WireEvent): WireEvent[] {
      if (flushed) return [];
      const out = feed(first.push(ev));
      if (first.state === "complete") {
        flushed = true;
        out.push(...feed(first.finish()));
      }
      return out;
    },
    get state(): StreamState {
      if (first.state === "errored" || second.state === "errored") return "errored";
      // Complete only once the client-side translator has everything it needs to close.
      return first.state === "complete" ? second.state : "streaming";
    },
    get upstreamError() {
      return first.upstreamError ?? second.upstreamError;
    },
    usage(): TokenUsage | null {
      return first.usage() ?? second.usage();
    },
    finish(extraUsage?: Record<string, unknown>): WireEvent[] {
      return second.finish(extraUsage);
    },
    fail(error: { type: string; message: string }): WireEvent[] {
      return second.fail(error);
    },
  };
}
