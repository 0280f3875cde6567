// OpenAI chat.completion.chunk stream -> Anthropic Messages event stream.
//
// Anthropic clients accumulate by block index (the SDK pushes a block on each start), so
// blocks are numbered 0,1,2 in start order and only one is open at a time. The closing
// message_delta is held until OpenAI's usage arrives (LiteLLM's holding pattern): usage
// comes in a chunk after the finish_reason, and message_delta is where Anthropic reports it.
import { usageFromOpenAI, ZERO_USAGE, type TokenUsage } from "../../usage.ts";
import { asArray, asNumber, asRecord, asString, type Json } from "../json.ts";
import { anthropicUsageFrom, mintId, stopReasonForFinish, thinkingBlockFrom } from "../mapping.ts";
import type { StreamState, StreamTranslator, TranslateContext, WireEvent } from "../types.ts";

type OpenBlock =
  | { kind: "text" | "tool" | "redacted"; index: number }
  | { kind: "thinking"; index: number; ordinal: number; signed: boolean };

interface ToolSlot {
  id: string;
  index: number;
}

export class ChatToMessagesStream implements StreamTranslator {
  private current: StreamState = "streaming";
  private error: { type: string; message: string } | null = null;
  private started = false;
  private closed = false;
  private nextIndex = 0;
  private open: OpenBlock | null = null;
  /** OpenAI tool_calls[].index -> the tool_use block it streams into. */
  private readonly tools = new Map<number, ToolSlot>();
  /** Thinking/redacted blocks started, in order: positions in an upstream thinking_blocks array. */
  private thinkingCount = 0;
  private finishReason: unknown = null;
  private finishSeen = false;
  private rawUsage: unknown = null;
  private usageAfterFinish = false;

  constructor(private readonly ctx: TranslateContext) {}

  get state(): StreamState {
    return this.current;
  }

  get upstreamError(): { type: string; message: string } | null {
    return this.error;
  }

  usage(): TokenUsage | null {
    return this.rawUsage === null ? null : usageFromOpenAI(this.rawUsage);
  }

  push(ev: WireEvent): WireEvent[] {
    if (this.current !== "streaming") return [];
    if (ev.data === "[DONE]") {
      // A deliberate end: an upstream that never sent finish_reason (or usage) is done anyway.
      this.current = "complete";
      return [];
    }
    const data = asRecord(ev.data);
    if (!data) return [];
    if (data.error != null || ev.event === "error") {
      const err = asRecord(data.error);
      this.error = {
        type: asString(err?.type) ?? "api_error",
        // Some compatible servers send the error as a bare string.
        message: asString(err?.message) ?? asString(data.error) ?? asString(data.message) ?? "Upstream stream error",
      };
      this.current = "errored";
      return [];
    }

    const out = this.ensureStarted(data);
    // Only choice 0 exists: the gateway never asks an upstream for n > 1 here.
    const choice = asArray(data.choices)
      .map((c) => asRecord(c))
      .find((c) => c !== undefined && (asNumber(c.index) ?? 0) === 0);
    // Content is handled before finish_reason, so a chunk carrying both is split in order.
    if (choice) out.push(...this.onDelta(asRecord(choice.delta) ?? {}));
    if (choice?.finish_reason != null) {
      this.finishReason = choice.finish_reason;
      this.finishSeen = true;
    }
    if (data.usage != null) {
      this.rawUsage = data.usage;
      // Some upstreams repeat running usage on every chunk; only a report at or after the
      // finish is the final count.
      if (this.finishSeen) this.usageAfterFinish = true;
    }
    if (this.finishSeen && this.usageAfterFinish) this.current = "complete";
    return out;
  }

  finish(extraUsage: Record<string, unknown> = {}): WireEvent[] {
    if (this.closed) return [];
    this.closed = true;
    const out = [...this.ensureStarted({}), ...this.closeOpen()];
    const u = this.usage() ?? ZERO_USAGE;
    const wire = anthropicUsageFrom(u);
    const usage: Json = {
      output_tokens: wire.output_tokens,
      input_tokens: wire.input_tokens,
      cache_read_input_tokens: wire.cache_read_input_tokens,
      cache_creation_input_tokens: wire.cache_creation_input_tokens,
    };
    if (wire.output_tokens_details) usage.output_tokens_details = wire.output_tokens_details;
    Object.assign(usage, extraUsage);
    const stopReason = stopReasonForFinish(this.finishReason, this.tools.size > 0);
    out.push(event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage }));
    out.push(event("message_stop", {}));
    return out;
  }

  fail(error: { type: string; message: string }): WireEvent[] {
    // Nothing may follow message_stop; after it the client already has a complete message.
    if (this.closed) return [];
    this.closed = true;
    return [{ event: "error", data: { type: "error", error: { type: error.type, message: error.message } } }];
  }

  private ensureStarted(chunk: Json): WireEvent[] {
    if (this.started) return [];
    this.started = true;
    const id = asString(chunk.id);
    const message = {
      id: id ?? mintId("msg_"),
      type: "message",
      role: "assistant",
      model: this.ctx.publicModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Input tokens are unknown until the final usage chunk; message_delta carries them.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return [event("message_start", { message })];
  }

  private onDelta(delta: Json): WireEvent[] {
    const out: WireEvent[] = [];
    // reasoning_content: DeepSeek, Kimi, Qwen, GLM, MiniMax; reasoning: OpenRouter, vLLM, Groq.
    const reasoning = asString(delta.reasoning_content) || asString(delta.reasoning);
    if (reasoning) out.push(...this.onReasoning(reasoning));
    const blocks = asArray(delta.thinking_blocks);
    if (blocks.length > 0) out.push(...this.onThinkingBlocks(blocks));
    const text = asString(delta.content) || asString(delta.refusal);
    if (text) {
      if (this.open?.kind !== "text") out.push(...this.startBlock({ type: "text", text: "" }, (index) => ({ kind: "text", index })));
      out.push(this.blockDelta({ type: "text_delta", text }));
    }
    asArray(delta.tool_calls).forEach((raw, position) => {
      const call = asRecord(raw);
      if (call) out.push(...this.onToolCall(call, position));
    });
    return out;
  }

  private onReasoning(text: string): WireEvent[] {
    const out: WireEvent[] = [];
    // A signed block is finished; more reasoning after its signature is a new block.
    if (this.open?.kind !== "thinking" || this.open.signed) out.push(...this.startThinking());
    out.push(this.blockDelta({ type: "thinking_delta", thinking: text }));
    return out;
  }

  /**
   * `thinking_blocks` (LiteLLM convention, and what MessagesToChatStream emits) is the whole
   * list so far, re-sent as blocks complete. Entries matching blocks already streamed as
   * reasoning text only add their signature; entries beyond them arrive whole.
   */
  private onThinkingBlocks(entries: unknown[]): WireEvent[] {
    const out: WireEvent[] = [];
    entries.forEach((raw, ordinal) => {
      const entry = asRecord(raw);
      const block = entry && thinkingBlockFrom(entry);
      if (!block) return;
      if (ordinal < this.thinkingCount) {
        const open = this.open;
        const signature = asString(block.signature);
        if (open?.kind === "thinking" && open.ordinal === ordinal && !open.signed && signature) {
          open.signed = true;
          out.push(this.blockDelta({ type: "signature_delta", signature }));
        }
        return;
      }
      if (block.type === "redacted_thinking") {
        this.thinkingCount++;
        out.push(...this.startBlock(block, (index) => ({ kind: "redacted", index })), ...this.closeOpen());
        return;
      }
      out.push(...this.startThinking());
      const thinking = asString(block.thinking);
      if (thinking) out.push(this.blockDelta({ type: "thinking_delta", thinking }));
      const signature = asString(block.signature);
      if (signature && this.open?.kind === "thinking") {
        this.open.signed = true;
        out.push(this.blockDelta({ type: "signature_delta", signature }));
      }
    });
    return out;
  }

  private onToolCall(call: Json, position: number): WireEvent[] {
    const out: WireEvent[] = [];
    const key = asNumber(call.index) ?? position;
    const fn = asRecord(call.function) ?? {};
    const id = asString(call.id);
    let slot = this.tools.get(key);
    // A new id on a known index is a new call: some providers send every call as index 0.
    if (!slot || (id && id !== slot.id)) {
      const toolId = id || mintId("toolu_");
      const block = { type: "tool_use", id: toolId, name: asString(fn.name) ?? "", input: {} };
      out.push(...this.startBlock(block, (index) => ({ kind: "tool", index })));
      slot = { id: toolId, index: this.nextIndex - 1 };
      this.tools.set(key, slot);
    }
    const args = asString(fn.arguments);
    // Fragments go to the call's own block even if another block opened since (interleaved
    // parallel calls, rare): the SDK addresses deltas by index, so they still land right.
    if (args) out.push(event("content_block_delta", { index: slot.index, delta: { type: "input_json_delta", partial_json: args } }));
    return out;
  }

  private startThinking(): WireEvent[] {
    const ordinal = this.thinkingCount++;
    // signature "" so the client's accumulated block has the field even when none follows.
    const block = { type: "thinking", thinking: "", signature: "" };
    return this.startBlock(block, (index) => ({ kind: "thinking", index, ordinal, signed: false }));
  }

  private startBlock(contentBlock: Json, open: (index: number) => OpenBlock): WireEvent[] {
    const out = this.closeOpen();
    const index = this.nextIndex++;
    this.open = open(index);
    out.push(event("content_block_start", { index, content_block: contentBlock }));
    return out;
  }

  private closeOpen(): WireEvent[] {
    if (!this.open) return [];
    const index = this.open.index;
    this.open = null;
    return [event("content_block_stop", { index })];
  }

  private blockDelta(delta: Json): WireEvent {
    return event("content_block_delta", { index: this.open?.index ?? 0, delta });
  }
}

function event(type: string, fields: Json): WireEvent {
  return { event: type, data: { type, ...fields } };
}
