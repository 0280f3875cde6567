// Anthropic Messages event stream -> OpenAI chat.completion.chunk stream.
import { mergeAnthropicUsage, usageFromAnthropic, ZERO_USAGE, type TokenUsage } from "../../usage.ts";
import { asNumber, asRecord, asString, type Json } from "../json.ts";
import { finishReasonForStop, mintId, openAIUsageFrom } from "../mapping.ts";
import type { StreamState, StreamTranslator, TranslateContext, WireEvent } from "../types.ts";

/** What an open Anthropic content block turns into on the OpenAI side. */
type Block =
  | { kind: "tool"; toolIndex: number }
  | { kind: "thinking"; thinking: string; signature: string }
  | { kind: "redacted"; data: string }
  | { kind: "passive" }; // text (deltas carry everything) and block types OpenAI has no form for

export class MessagesToChatStream implements StreamTranslator {
  private current: StreamState = "streaming";
  private error: { type: string; message: string } | null = null;
  private id = "";
  private readonly created = Math.floor(Date.now() / 1000);
  private roleSent = false;
  private finishSent = false;
  private closed = false;
  private finishReason: string | null = null;
  private tokens: TokenUsage | null = null;
  private nextToolIndex = 0;
  private readonly blocks = new Map<number, Block>();
  /** Every thinking block so far, re-sent whole because the SDK overwrites unknown delta fields. */
  private readonly thinkingBlocks: Json[] = [];

  constructor(
    private readonly ctx: TranslateContext,
    private readonly opts: { includeUsage: boolean },
  ) {}

  get state(): StreamState {
    return this.current;
  }

  get upstreamError(): { type: string; message: string } | null {
    return this.error;
  }

  usage(): TokenUsage | null {
    return this.tokens;
  }

  push(ev: WireEvent): WireEvent[] {
    if (this.current !== "streaming") return [];
    const data = asRecord(ev.data);
    if (!data) return [];
    const type = asString(data.type) ?? ev.event;
    if (type === "error" || ev.event === "error") {
      const err = asRecord(data.error);
      this.error = {
        type: asString(err?.type) ?? "api_error",
        message: asString(err?.message) ?? "Upstream stream error",
      };
      this.current = "errored";
      return [];
    }
    switch (type) {
      case "message_start":
        return this.onMessageStart(asRecord(data.message) ?? {});
      case "content_block_start":
        return this.onBlockStart(asNumber(data.index) ?? 0, asRecord(data.content_block) ?? {});
      case "content_block_delta":
        return this.onBlockDelta(asNumber(data.index) ?? 0, asRecord(data.delta) ?? {});
      case "content_block_stop":
        return this.onBlockStop(asNumber(data.index) ?? 0);
      case "message_delta":
        return this.onMessageDelta(data);
      case "message_stop":
        this.current = "complete";
        return [];
      default:
        // ping and event types newer than this code carry nothing an OpenAI client can use.
        return [];
    }
  }

  finish(extraUsage: Record<string, unknown> = {}): WireEvent[] {
    if (this.closed) return [];
    this.closed = true;
    const out = this.ensureRole();
    if (!this.finishSent) out.push(this.chunk({}, this.finishReason ?? "stop"));
    this.finishSent = true;
    if (this.opts.includeUsage) {
      const usage = { ...openAIUsageFrom(this.tokens ?? ZERO_USAGE), ...extraUsage };
      out.push({ event: "", data: { ...this.envelope(), choices: [], usage } });
    }
    out.push({ event: "", data: "[DONE]" });
    return out;
  }

  fail(error: { type: string; message: string }): WireEvent[] {
    if (this.closed) return [];
    this.closed = true;
    return [{ event: "", data: { error: { message: error.message, type: error.type, param: null, code: null } } }];
  }

  private onMessageStart(message: Json): WireEvent[] {
    if (!this.id) this.id = asString(message.id) ?? mintId("chatcmpl-");
    this.tokens = usageFromAnthropic(message.usage);
    return this.ensureRole();
  }

  private onBlockStart(index: number, block: Json): WireEvent[] {
    switch (block.type) {
      case "text": {
        this.blocks.set(index, { kind: "passive" });
        const text = asString(block.text);
        return text ? this.emit({ content: text }) : this.ensureRole();
      }
      case "tool_use": {
        const toolIndex = this.nextToolIndex++;
        this.blocks.set(index, { kind: "tool", toolIndex });
        const head = {
          index: toolIndex,
          id: asString(block.id) ?? mintId("call_"),
          type: "function",
          function: { name: asString(block.name) ?? "", arguments: "" },
        };
        const out = this.emit({ tool_calls: [head] });
        // Anthropic streams input as deltas after an empty {}; a proxy that sends it whole here
        // must still reach the client.
        const input = asRecord(block.input);
        if (input && Object.keys(input).length > 0) out.push(...this.toolArgs(toolIndex, JSON.stringify(input)));
        return out;
      }
      case "thinking": {
        const thinking = asString(block.thinking) ?? "";
        this.blocks.set(index, { kind: "thinking", thinking, signature: asString(block.signature) ?? "" });
        return thinking ? this.emit({ reasoning_content: thinking }) : this.ensureRole();
      }
      case "redacted_thinking":
        this.blocks.set(index, { kind: "redacted", data: asString(block.data) ?? "" });
        return this.ensureRole();
      default:
        // server_tool_use, web_search_tool_result, ...: results of tools OpenAI clients never declared.
        this.blocks.set(index, { kind: "passive" });
        return this.ensureRole();
    }
  }

  private onBlockDelta(index: number, delta: Json): WireEvent[] {
    const block = this.blocks.get(index);
    switch (delta.type) {
      case "text_delta": {
        const text = asString(delta.text);
        return text ? this.emit({ content: text }) : [];
      }
      case "input_json_delta": {
        const json = asString(delta.partial_json);
        return block?.kind === "tool" && json ? this.toolArgs(block.toolIndex, json) : [];
      }
      case "thinking_delta": {
        const text = asString(delta.thinking);
        if (block?.kind !== "thinking" || !text) return [];
        block.thinking += text;
        return this.emit({ reasoning_content: text });
      }
      case "signature_delta":
        if (block?.kind === "thinking") block.signature = asString(delta.signature) ?? block.signature;
        return [];
      default:
        return []; // citations_delta and newer kinds
    }
  }

  private onBlockStop(index: number): WireEvent[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    if (block?.kind === "thinking") {
      this.thinkingBlocks.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    } else if (block?.kind === "redacted") {
      this.thinkingBlocks.push({ type: "redacted_thinking", data: block.data });
    } else return [];
    return this.emit({ thinking_blocks: this.thinkingBlocks.map((b) => ({ ...b })) });
  }

  private onMessageDelta(data: Json): WireEvent[] {
    this.tokens = mergeAnthropicUsage(this.tokens ?? ZERO_USAGE, data.usage);
    const stop = asRecord(data.delta)?.stop_reason;
    if (stop == null || this.finishSent) return [];
    this.finishReason = finishReasonForStop(stop);
    this.finishSent = true;
    return [...this.ensureRole(), this.chunk({}, this.finishReason)];
  }

  private toolArgs(toolIndex: number, args: string): WireEvent[] {
    return this.emit({ tool_calls: [{ index: toolIndex, function: { arguments: args } }] });
  }

  /** The role chunk the OpenAI SDK insists on, sent once before anything else. */
  private ensureRole(): WireEvent[] {
    if (this.roleSent) return [];
    this.roleSent = true;
    return [this.chunk({ role: "assistant", content: "" }, null)];
  }

  private emit(delta: Json): WireEvent[] {
    return [...this.ensureRole(), this.chunk(delta, null)];
  }

  private envelope(): Json {
    if (!this.id) this.id = mintId("chatcmpl-");
    return { id: this.id, object: "chat.completion.chunk", created: this.created, model: this.ctx.publicModel };
  }

  private chunk(delta: Json, finishReason: string | null): WireEvent {
    const data: Json = {
      ...this.envelope(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    // OpenAI marks every chunk of an include_usage stream with usage:null.
    if (this.opts.includeUsage) data.usage = null;
    return { event: "", data };
  }
}
