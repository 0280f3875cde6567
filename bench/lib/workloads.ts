// The requests the benchmark sends, and how a response to each is checked before the load
// starts (a fast wrong answer is not a result).
import type { RequestSpec } from "./http1.ts";

export type WorkloadId = "openai-json" | "openai-stream" | "anthropic-stream" | "translate-stream";

export interface Workload {
  id: WorkloadId;
  label: string;
  stream: boolean;
  /** Request for a target; `key` is the API key (any string for DIRECT/PLAIN). */
  spec(key: string, model?: string): RequestSpec;
  /** Null when the body is a complete, correct answer; else what is wrong. */
  check(body: string): string | null;
}

export const REPLY_TEXT = "Rivers carry light downstream, folding the sky into slow silver bends.\nStones keep count of every passing year.";
export const OPENAI_MODEL = "gpt-5.4-mini";
export const ANTHROPIC_MODEL = "claude-haiku-4.5";
/** Routed by the gateway to the mock's slow path (PROVIDER_DEEPSEEK_BASE_URL). */
export const SLOW_MODEL = "deepseek-v4-flash";

const SYSTEM = "You are a concise poet.";
const PROMPT = "Write two lines about rivers.";

function openaiHeaders(key: string): Record<string, string> {
  return { "content-type": "application/json", authorization: `Bearer ${key}` };
}

function anthropicHeaders(key: string): Record<string, string> {
  return { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" };
}

function openaiBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: PROMPT },
    ],
    max_completion_tokens: 256,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

function sseDataOf(body: string): string[] {
  const out: string[] = [];
  for (const event of body.split(/\r?\n\r?\n/)) {
    for (const line of event.split(/\r?\n/)) if (line.startsWith("data:")) out.push(line.slice(5).trimStart());
  }
  return out;
}

function checkOpenAIStream(body: string): string | null {
  const data = sseDataOf(body);
  if (data.at(-1) !== "[DONE]") return `stream does not end with [DONE] (last: ${data.at(-1)?.slice(0, 120)})`;
  let text = "";
  let usage = false;
  for (const d of data.slice(0, -1)) {
    const chunk = JSON.parse(d) as { error?: unknown; choices?: { delta?: { content?: string } }[]; usage?: unknown };
    if (chunk.error) return `stream error: ${d.slice(0, 200)}`;
    text += chunk.choices?.[0]?.delta?.content ?? "";
    if (chunk.usage) usage = true;
  }
  if (text !== REPLY_TEXT) return `streamed text differs: ${JSON.stringify(text.slice(0, 80))}`;
  if (!usage) return "no usage chunk although include_usage was asked";
  return null;
}

export const WORKLOADS: Record<WorkloadId, Workload> = {
  "openai-json": {
    id: "openai-json",
    label: "OpenAI chat, JSON",
    stream: false,
    spec: (key, model = OPENAI_MODEL) => ({ path: "/v1/chat/completions", headers: openaiHeaders(key), body: openaiBody(model, false) }),
    check(body) {
      const json = JSON.parse(body) as { choices?: { message?: { content?: string } }[]; usage?: unknown };
      if (json.choices?.[0]?.message?.content !== REPLY_TEXT) return `unexpected body: ${body.slice(0, 200)}`;
      if (!json.usage) return "no usage";
      return null;
    },
  },
  "openai-stream": {
    id: "openai-stream",
    label: "OpenAI chat, stream",
    stream: true,
    spec: (key, model = OPENAI_MODEL) => ({ path: "/v1/chat/completions", headers: openaiHeaders(key), body: openaiBody(model, true) }),
    check: checkOpenAIStream,
  },
  "anthropic-stream": {
    id: "anthropic-stream",
    label: "Anthropic messages, stream",
    stream: true,
    spec: (key, model = ANTHROPIC_MODEL) => ({
      path: "/v1/messages",
      headers: anthropicHeaders(key),
      body: JSON.stringify({ model, max_tokens: 256, system: SYSTEM, messages: [{ role: "user", content: PROMPT }], stream: true }),
    }),
    check(body) {
      if (!/event: message_stop\r?\ndata: \{"type":"message_stop"\}\r?\n\r?\n$/.test(body)) return `stream does not end with message_stop: ${body.slice(-200)}`;
      let text = "";
      for (const d of sseDataOf(body)) {
        const ev = JSON.parse(d) as { type?: string; delta?: { type?: string; text?: string } };
        if (ev.type === "error") return `stream error: ${d.slice(0, 200)}`;
        if (ev.type === "content_block_delta" && ev.delta?.type === "text_delta") text += ev.delta.text ?? "";
      }
      return text === REPLY_TEXT ? null : `streamed text differs: ${JSON.stringify(text.slice(0, 80))}`;
    },
  },
  "translate-stream": {
    id: "translate-stream",
    label: "OpenAI client -> Anthropic upstream, stream",
    stream: true,
    spec: (key, model = ANTHROPIC_MODEL) => ({ path: "/v1/chat/completions", headers: openaiHeaders(key), body: openaiBody(model, true) }),
    check: checkOpenAIStream,
  },
};

/** The slow stream held open in the memory scenario. */
export function slowStreamSpec(key: string): RequestSpec {
  return { path: "/v1/chat/completions", headers: openaiHeaders(key), body: openaiBody(SLOW_MODEL, true) };
}
