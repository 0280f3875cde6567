// Contracts of the protocol translators. Anthropic Messages is the hub: OpenAI chat clients
// reach Anthropic upstreams through chat-over-messages, Anthropic clients reach OpenAI-shaped
// upstreams through messages-over-chat, and Gemini is reached from either side through
// messages-over-gemini (chained after chat-over-messages for OpenAI clients).
// Everything here is pure: no I/O, no clock except where a timestamp is part of the wire format.
import type { TokenUsage } from "../usage.ts";

/** One SSE event, parsed: `event` is the SSE event name ("" when none), `data` the parsed JSON, or the string "[DONE]". */
export interface WireEvent {
  event: string;
  data: unknown;
}

/** What a translation needs to know about the model it targets. */
export interface TranslateContext {
  /** Public model id (what the client sees in `model`). */
  publicModel: string;
  /** The upstream's own id for the model. */
  upstreamModel: string;
  /** The model's output token limit (default for Anthropic's required max_tokens). */
  maxOutput: number;
  flags: { reasoning: boolean; vision: boolean };
}

/** A request the translation cannot carry meaningfully: becomes a 400 naming `param`. */
export class TranslationError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

export type StreamState = "streaming" | "complete" | "errored";

/**
 * Translates an upstream event stream into the client's protocol, event by event, never
 * buffering the whole stream. The relay around it: push() each upstream event and send
 * what comes back; when state turns "complete", settle billing with usage(), then send
 * finish(); when it turns "errored" (upstream error event) or the upstream ends early,
 * settle and send fail().
 */
export interface StreamTranslator {
  push(ev: WireEvent): WireEvent[];
  readonly state: StreamState;
  /** The upstream error carried by an error event, when state is "errored". */
  readonly upstreamError: { type: string; message: string } | null;
  /** Normalised usage seen so far, null when the upstream reported none yet. */
  usage(): TokenUsage | null;
  /** Closing events of a complete stream; `extraUsage` fields (e.g. cost_usd) go into the final usage object. */
  finish(extraUsage?: Record<string, unknown>): WireEvent[];
  /** A well-formed error event of the client's protocol that ends the stream. */
  fail(error: { type: string; message: string }): WireEvent[];
}
