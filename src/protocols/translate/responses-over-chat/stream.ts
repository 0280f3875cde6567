// OpenAI chat.completion.chunk stream -> OpenAI Responses event stream.
//
// The openai SDK's ResponseStream rebuilds the response from these events by output_index
// and content_index and throws on any event it cannot place (or any type it does not know),
// and its finalResponse() is the snapshot of the last response.* lifecycle event. So each
// item is announced (output_item.added) before its deltas, each part before its text, and
// response.completed carries the whole response again. Reasoning and message items close
// when the next item starts, as OpenAI's own streams do; function calls stay open until
// something other than a call starts or the stream ends, so argument fragments of parallel
// calls that an upstream interleaves still land on an open item.
import { usageFromOpenAI, ZERO_USAGE, type TokenUsage } from "../../usage.ts";
import { asArray, asNumber, asRecord, asString, type Json } from "../json.ts";
import { mintId, thinkingBlockFrom } from "../mapping.ts";
import type { StreamState, StreamTranslator, TranslateContext, WireEvent } from "../types.ts";
import {
  firstChoice,
  functionCallItem,
  mintResponseId,
  reasoningAsSummary,
  reasoningItem,
  reasoningTextOf,
  responseErrorCode,
  responseShell,
  responsesUsageFrom,
  statusForFinish,
} from "./shared.ts";

interface ReasoningSlot {
  kind: "reasoning";
  index: number;
  id: string;
  text: string;
  blocks: Json[];
  final: Json | null;
}

interface MessageSlot {
  kind: "message";
  index: number;
  id: string;
  /** Closed parts, in content_index order. */
  parts: Json[];
  part: { type: "output_text" | "refusal"; text: string } | null;
  final: Json | null;
}

interface CallSlot {
  kind: "call";
  index: number;
  id: string;
  callId: string;
  name: string;
  args: string;
  final: Json | null;
}

type Slot = ReasoningSlot | MessageSlot | CallSlot;

export class ChatToResponsesStream implements StreamTranslator {
  private current: StreamState = "streaming";
  private error: { type: string; message: string } | null = null;
  private started = false;
  private closed = false;
  private seq = 0;
  private readonly id = mintResponseId();
  private createdAt = Math.floor(Date.now() / 1000);
  private readonly summary: boolean;
  /** Every output item, by output_index. */
  private readonly slots: Slot[] = [];
  /** The open reasoning or message item; calls are tracked in `calls`. */
  private open: ReasoningSlot | MessageSlot | null = null;
  /** Chat tool_calls[].index -> the function_call item it streams into. */
  private readonly calls = new Map<number, CallSlot>();
  /** Reasoning item holding each entry of the upstream's cumulative thinking_blocks list. */
  private readonly blockOwners: ReasoningSlot[] = [];
  private finishReason: unknown = null;
  private finishSeen = false;
  private rawUsage: unknown = null;
  private usageAfterFinish = false;

  /** `request`: the client's Responses body, echoed in the response objects (optional). */
  constructor(
    private readonly ctx: TranslateContext,
    private readonly request: Json = {},
  ) {
    this.summary = reasoningAsSummary(request);
  }

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
    const err = asRecord(data.error);
    if (err || ev.event === "error") {
      this.error = {
        type: asString(err?.type) ?? "api_error",
        message: asString(err?.message) ?? "Upstream stream error",
      };
      this.current = "errored";
      return [];
    }

    const out = this.ensureStarted(asNumber(data.created));
    const choice = firstChoice(data);
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
    const out = this.ensureStarted();
    const { status, incomplete } = statusForFinish(this.finishReason);
    // A cut-off answer ends in its last item; the items before it were finished.
    const cutOff = status === "incomplete" ? this.slots[this.slots.length - 1] : undefined;
    out.push(...this.closeAll(cutOff));
    const response = {
      ...this.shell(),
      status,
      incomplete_details: incomplete,
      output: this.slots.map((s) => s.final ?? this.snapshot(s, "incomplete")),
      usage: responsesUsageFrom(this.usage() ?? ZERO_USAGE, extraUsage),
    };
    out.push(this.event(status === "completed" ? "response.completed" : "response.incomplete", { response }));
    return out;
  }

  fail(error: { type: string; message: string }): WireEvent[] {
    // Nothing may follow response.completed; after it the client already has a whole response.
    if (this.closed) return [];
    this.closed = true;
    // response.created first even here: clients build their snapshot from it (the SDK throws
    // on anything else first), and response.failed replaces that snapshot. The SDK's stream
    // helper ends at the error event; raw consumers get the failed response too.
    const out = this.ensureStarted();
    const code = responseErrorCode(error.type);
    out.push(this.event("error", { code, message: error.message, param: null }));
    const usage = this.usage();
    const response = {
      ...this.shell(),
      status: "failed",
      error: { code, message: error.message },
      output: this.slots.map((s) => s.final ?? this.snapshot(s, "incomplete")),
      usage: usage ? responsesUsageFrom(usage) : null,
    };
    out.push(this.event("response.failed", { response }));
    return out;
  }

  private ensureStarted(created?: number): WireEvent[] {
    if (this.started) return [];
    this.started = true;
    if (created !== undefined) this.createdAt = created;
    const response = this.shell();
    return [this.event("response.created", { response }), this.event("response.in_progress", { response })];
  }

  private shell(): Json {
    return responseShell(this.ctx, this.request, this.id, this.createdAt);
  }

  private onDelta(delta: Json): WireEvent[] {
    const out: WireEvent[] = [];
    const reasoning = reasoningTextOf(delta);
    if (reasoning) out.push(...this.onReasoning(reasoning));
    const blocks = asArray(delta.thinking_blocks);
    if (blocks.length > 0) out.push(...this.onThinkingBlocks(blocks));
    const text = asString(delta.content);
    if (text) out.push(...this.onText("output_text", text));
    const refusal = asString(delta.refusal);
    if (refusal) out.push(...this.onText("refusal", refusal));
    asArray(delta.tool_calls).forEach((raw, position) => {
      const call = asRecord(raw);
      if (call) out.push(...this.onToolCall(call, position));
    });
    return out;
  }

  private onReasoning(text: string): WireEvent[] {
    const out: WireEvent[] = [];
    let slot = this.open;
    if (slot?.kind !== "reasoning") {
      out.push(...this.closeAll());
      slot = this.startReasoning(out);
    }
    const fields = { item_id: slot.id, output_index: slot.index };
    if (slot.text === "") {
      out.push(
        this.summary
          ? this.event("response.reasoning_summary_part.added", { ...fields, summary_index: 0, part: { type: "summary_text", text: "" } })
          : this.event("response.content_part.added", { ...fields, content_index: 0, part: { type: "reasoning_text", text: "" } }),
      );
    }
    slot.text += text;
    out.push(
      this.summary
        ? this.event("response.reasoning_summary_text.delta", { ...fields, summary_index: 0, delta: text })
        : this.event("response.reasoning_text.delta", { ...fields, content_index: 0, delta: text }),
    );
    return out;
  }

  /**
   * `thinking_blocks` (LiteLLM convention, and what chat-over-messages emits) is the whole
   * list so far, re-sent as blocks complete. New entries belong to the open reasoning item
   * (their text already streamed as reasoning deltas) or, for a redacted block that has no
   * text, to a reasoning item of their own. They surface as encrypted_content on item close.
   */
  private onThinkingBlocks(entries: unknown[]): WireEvent[] {
    const out: WireEvent[] = [];
    entries.forEach((raw, ordinal) => {
      const entry = asRecord(raw);
      const block = entry && thinkingBlockFrom(entry);
      if (!block) return;
      const owner = this.blockOwners[ordinal];
      if (owner) {
        // A re-sent entry may carry a signature that came late; a closed item is final.
        if (!owner.final) owner.blocks[ordinal - this.blockOwners.indexOf(owner)] = block;
        return;
      }
      let slot = this.open;
      if (slot?.kind !== "reasoning") {
        out.push(...this.closeAll());
        slot = this.startReasoning(out);
      }
      slot.blocks.push(block);
      this.blockOwners[ordinal] = slot;
    });
    return out;
  }

  private onText(type: "output_text" | "refusal", text: string): WireEvent[] {
    const out: WireEvent[] = [];
    let slot = this.open;
    if (slot?.kind !== "message") {
      out.push(...this.closeAll());
      slot = { kind: "message", index: this.slots.length, id: mintId("msg_"), parts: [], part: null, final: null };
      this.slots.push(slot);
      this.open = slot;
      out.push(this.event("response.output_item.added", { output_index: slot.index, item: this.snapshot(slot, "in_progress") }));
    }
    const fields = { item_id: slot.id, output_index: slot.index };
    if (slot.part?.type !== type) {
      out.push(...this.closePart(slot));
      slot.part = { type, text: "" };
      out.push(this.event("response.content_part.added", { ...fields, content_index: slot.parts.length, part: partOf(type, "") }));
    }
    slot.part.text += text;
    const content_index = slot.parts.length;
    out.push(
      type === "output_text"
        ? this.event("response.output_text.delta", { ...fields, content_index, delta: text, logprobs: [] })
        : this.event("response.refusal.delta", { ...fields, content_index, delta: text }),
    );
    return out;
  }

  private onToolCall(call: Json, position: number): WireEvent[] {
    const out: WireEvent[] = [];
    const key = asNumber(call.index) ?? position;
    const fn = asRecord(call.function) ?? {};
    const id = asString(call.id);
    let slot = this.calls.get(key);
    // A new id on a known index is a new call: some providers send every call as index 0.
    if (!slot || (id && id !== slot.callId)) {
      out.push(...this.closeOpen());
      slot = { kind: "call", index: this.slots.length, id: mintId("fc_"), callId: id || mintId("call_"), name: asString(fn.name) ?? "", args: "", final: null };
      this.slots.push(slot);
      this.calls.set(key, slot);
      out.push(this.event("response.output_item.added", { output_index: slot.index, item: this.snapshot(slot, "in_progress") }));
    }
    const args = asString(fn.arguments);
    // A fragment for a call already closed (text streamed in between, never seen in practice)
    // has no open item left to land on.
    if (args && !slot.final) {
      slot.args += args;
      out.push(this.event("response.function_call_arguments.delta", { item_id: slot.id, output_index: slot.index, delta: args }));
    }
    return out;
  }

  private startReasoning(out: WireEvent[]): ReasoningSlot {
    const slot: ReasoningSlot = { kind: "reasoning", index: this.slots.length, id: mintId("rs_"), text: "", blocks: [], final: null };
    this.slots.push(slot);
    this.open = slot;
    out.push(this.event("response.output_item.added", { output_index: slot.index, item: this.snapshot(slot, "in_progress") }));
    return slot;
  }

  /** Closes every open item, in output order; `cutOff` is closed as incomplete. */
  private closeAll(cutOff?: Slot): WireEvent[] {
    this.open = null;
    return this.slots.filter((s) => !s.final).flatMap((s) => this.close(s, s === cutOff ? "incomplete" : "completed"));
  }

  /** Closes the open reasoning or message item, leaving calls open. */
  private closeOpen(): WireEvent[] {
    const slot = this.open;
    this.open = null;
    return slot ? this.close(slot, "completed") : [];
  }

  private close(slot: Slot, status: string): WireEvent[] {
    const out: WireEvent[] = [];
    const fields = { item_id: slot.id, output_index: slot.index };
    if (slot.kind === "reasoning" && slot.text) {
      out.push(
        ...(this.summary
          ? [
              this.event("response.reasoning_summary_text.done", { ...fields, summary_index: 0, text: slot.text }),
              this.event("response.reasoning_summary_part.done", { ...fields, summary_index: 0, part: { type: "summary_text", text: slot.text } }),
            ]
          : [
              this.event("response.reasoning_text.done", { ...fields, content_index: 0, text: slot.text }),
              this.event("response.content_part.done", { ...fields, content_index: 0, part: { type: "reasoning_text", text: slot.text } }),
            ]),
      );
    } else if (slot.kind === "message") out.push(...this.closePart(slot));
    else if (slot.kind === "call") {
      out.push(this.event("response.function_call_arguments.done", { ...fields, name: slot.name, arguments: slot.args }));
    }
    slot.final = this.snapshot(slot, status);
    out.push(this.event("response.output_item.done", { output_index: slot.index, item: slot.final }));
    return out;
  }

  private closePart(slot: MessageSlot): WireEvent[] {
    const part = slot.part;
    if (!part) return [];
    slot.part = null;
    const fields = { item_id: slot.id, output_index: slot.index, content_index: slot.parts.length };
    const done = partOf(part.type, part.text);
    slot.parts.push(done);
    return [
      part.type === "output_text"
        ? this.event("response.output_text.done", { ...fields, text: part.text, logprobs: [] })
        : this.event("response.refusal.done", { ...fields, refusal: part.text }),
      this.event("response.content_part.done", { ...fields, part: done }),
    ];
  }

  /** The item as it stands, open parts included (for added events and failed responses). */
  private snapshot(slot: Slot, status: string): Json {
    switch (slot.kind) {
      case "reasoning":
        return reasoningItem(slot.id, slot.text, this.summary, slot.blocks, status);
      case "message": {
        const content = slot.part ? [...slot.parts, partOf(slot.part.type, slot.part.text)] : [...slot.parts];
        return { id: slot.id, type: "message", status, content, role: "assistant" };
      }
      case "call":
        return functionCallItem(slot.id, slot.callId, slot.name, slot.args, status);
    }
  }

  private event(type: string, fields: Json): WireEvent {
    return { event: type, data: { type, sequence_number: this.seq++, ...fields } };
  }
}

function partOf(type: "output_text" | "refusal", text: string): Json {
  return type === "output_text" ? { type, annotations: [], logprobs: [], text } : { type, refusal: text };
}
