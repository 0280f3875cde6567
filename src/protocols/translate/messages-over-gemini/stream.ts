// Gemini streamGenerateContent (?alt=sse) -> Anthropic Messages events.
// Gemini chunks are whole GenerateContentResponse objects holding only the new parts; the
// stream ends at EOF (no [DONE]) and the chunk with a finishReason is the last one that
// matters. Block layout and signatures follow response.ts / signatures.ts.
import type { TokenUsage } from "../../usage.ts";
import type { StreamState, StreamTranslator, TranslateContext, WireEvent } from "../types.ts";
import {
  anthropicErrorType,
  anthropicUsage,
  asString,
  blockReasonOf,
  finishReasonOf,
  firstCandidate,
  isObject,
  messageId,
  partsOf,
  readUsage,
  stopReason,
  tokenUsage,
  type GeminiUsage,
  type Json,
} from "./shared.ts";
import { encodeToolUseId, TEXT_SIGNATURE_PREFIX, THOUGHT_SIGNATURE_PREFIX } from "./signatures.ts";

function event(data: Json & { type: string }): WireEvent {
  return { event: data.type, data };
}

export class GeminiToMessagesStream implements StreamTranslator {
  state: StreamState = "streaming";
  upstreamError: { type: string; message: string } | null = null;

  private started = false;
  private nextIndex = 0;
  private open: { kind: "thinking" | "text"; index: number } | null = null;
  private sawToolUse = false;
  private gemini: GeminiUsage | null = null;
  private stop: string | null = null;

  constructor(private readonly ctx: TranslateContext) {}

  push(ev: WireEvent): WireEvent[] {
    // Nothing may follow message_stop; a late usage-only chunk was already billed by then.
    if (this.state !== "streaming") return [];
    const chunk = ev.data;
    if (!isObject(chunk)) return [];
    if (isObject(chunk.error)) {
      this.state = "errored";
      this.upstreamError = {
        type: anthropicErrorType(chunk.error),
        message: asString(chunk.error.message) ?? "The upstream reported an error.",
      };
      return [];
    }
    // Every chunk repeats usageMetadata with running totals; the last one is final.
    const usage = readUsage(chunk.usageMetadata);
    if (usage) this.gemini = usage;

    const out: WireEvent[] = [];
    this.start(out, chunk);
    const candidate = firstCandidate(chunk);
    for (const part of partsOf(candidate)) this.part(part, out);

    const finish = finishReasonOf(candidate);
    if (finish !== undefined || (candidate === undefined && blockReasonOf(chunk) !== undefined)) {
      this.stop = finish !== undefined ? stopReason(finish, this.sawToolUse) : "refusal";
      this.close(out);
      this.state = "complete";
    }
    return out;
  }

  usage(): TokenUsage | null {
    return this.gemini ? tokenUsage(this.gemini) : null;
  }

  finish(extraUsage: Record<string, unknown> = {}): WireEvent[] {
    const out: WireEvent[] = [];
    this.start(out, {});
    this.close(out);
    out.push(
      event({
        type: "message_delta",
        delta: { stop_reason: this.stop ?? stopReason(undefined, this.sawToolUse), stop_sequence: null },
        usage: { ...anthropicUsage(this.gemini), ...extraUsage },
      }),
      event({ type: "message_stop" }),
    );
    return out;
  }

  fail(error: { type: string; message: string }): WireEvent[] {
    return [event({ type: "error", error: { type: error.type, message: error.message } })];
  }

  private start(out: WireEvent[], chunk: Json): void {
    if (this.started) return;
    this.started = true;
    const usage = anthropicUsage(this.gemini);
    out.push(
      event({
        type: "message_start",
        message: {
          id: messageId(chunk),
          type: "message",
          role: "assistant",
          model: this.ctx.publicModel,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: usage.input_tokens,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: usage.cache_read_input_tokens,
            output_tokens: 0,
          },
        },
      }),
    );
  }

  private part(part: Json, out: WireEvent[]): void {
    const signature = asString(part.thoughtSignature) || undefined;
    if (part.thought === true) {
      const text = asString(part.text) ?? "";
      if (this.open?.kind !== "thinking") {
        if (text === "" && !signature) return;
        this.openBlock("thinking", { type: "thinking", thinking: "", signature: "" }, out);
      }
      const index = this.open?.index ?? 0;
      if (text !== "") out.push(delta(index, { type: "thinking_delta", thinking: text }));
      // A signature seals the thought: Anthropic allows one, sent just before the block stops.
      if (signature) this.close(out, THOUGHT_SIGNATURE_PREFIX + signature);
      return;
    }
    if (isObject(part.functionCall)) {
      this.close(out);
      this.sawToolUse = true;
      const call = part.functionCall;
      const index = this.nextIndex++;
      const id = encodeToolUseId({ callId: asString(call.id) || undefined, signature });
      const input = isObject(call.args) ? call.args : {};
      // Gemini delivers a call whole: one delta carries all of its arguments.
      out.push(
        event({ type: "content_block_start", index, content_block: { type: "tool_use", id, name: asString(call.name) ?? "", input: {} } }),
        delta(index, { type: "input_json_delta", partial_json: JSON.stringify(input) }),
        event({ type: "content_block_stop", index }),
      );
      return;
    }
    if (typeof part.text !== "string") return; // media output and code execution: no Anthropic block
    if (part.text !== "") {
      if (this.open?.kind !== "text") this.openBlock("text", { type: "text", text: "" }, out);
      out.push(delta(this.open?.index ?? 0, { type: "text_delta", text: part.text }));
    }
    if (signature) {
      // The text is already on its way, so the signature follows it in a block of its own.
      this.close(out);
      this.openBlock("thinking", { type: "thinking", thinking: "", signature: "" }, out);
      this.close(out, TEXT_SIGNATURE_PREFIX + signature);
    }
  }

  private openBlock(kind: "thinking" | "text", contentBlock: Json, out: WireEvent[]): void {
    this.close(out);
    const index = this.nextIndex++;
    this.open = { kind, index };
    out.push(event({ type: "content_block_start", index, content_block: contentBlock }));
  }

  /** Stops the open block; a thinking block always gets its signature_delta first. */
  private close(out: WireEvent[], signature?: string): void {
    const open = this.open;
    if (!open) return;
    this.open = null;
    if (open.kind === "thinking") {
      out.push(delta(open.index, { type: "signature_delta", signature: signature ?? THOUGHT_SIGNATURE_PREFIX }));
    }
    out.push(event({ type: "content_block_stop", index: open.index }));
  }
}

function delta(index: number, d: Json): WireEvent {
  return event({ type: "content_block_delta", index, delta: d });
}
