/**
 * Protocol-neutral behaviour of the mock upstreams.
 *
 * Tests steer the mocks with directives written into the last user message, e.g.
 * `hello [[mock:usage=100,20]] [[mock:status=429]]`. Because the directives travel as plain
 * text they survive any client and any protocol translation done by the gateway.
 *
 * The two wire encoders (openai-upstream.ts, anthropic-upstream.ts) turn a request into a
 * neutral `Conversation`, call `planScenario`, and encode the resulting `Scenario`.
 * The bottom half of this file holds the small HTTP/SSE helpers both servers share.
 */
import type { MockUpstream, RecordedRequest } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Directives
// ---------------------------------------------------------------------------------------------

export interface Directives {
  /** `usage=IN,OUT`: uncached input tokens and output tokens (output includes reasoning). */
  usage?: { input: number; output: number };
  /** `cached=N`: cache-read input tokens (in addition to IN). */
  cached?: number;
  /** `cachewrite=N`: cache-creation input tokens (Anthropic only; in addition to IN). */
  cacheWrite?: number;
  /** `reasoning=N`: reasoning tokens (OpenAI only; part of the output count). */
  reasoning?: number;
  /** `parallel=N`: number of tool calls to make when tools are offered. */
  parallel?: number;
  /** `thinking=TEXT`: Anthropic replies start with a thinking block. */
  thinking?: string;
  /** `reply=TEXT`: use TEXT as the assistant text instead of the echo. */
  reply?: string;
  /** `status=CODE`: answer with this HTTP error status and a provider-shaped error body. */
  status?: number;
  /** `retry_after=S`: `retry-after` header value sent with `status`. */
  retryAfter?: string;
  /** `cut=K`: streaming only; send K SSE events then drop the connection. */
  cut?: number;
  /** `delay=MS`: wait before sending the response headers. */
  delayMs?: number;
  /** `gap=MS`: wait between SSE events. */
  gapMs?: number;
  /** `midstream_error=K`: streaming only; after K events send a provider error event and end. */
  midstreamError?: number;
}

const DIRECTIVE = /\s*\[\[mock:([a-z_]+)=(.*?)\]\]/g;

export function stripDirectives(text: string): string {
  return text.replace(DIRECTIVE, '').trim();
}

function nonNegativeInt(value: string): number | undefined {
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/** Later occurrences override earlier ones; malformed values are ignored. */
export function parseDirectives(text: string): Directives {
  const d: Directives = {};
  for (const [, name, raw = ''] of text.matchAll(DIRECTIVE)) {
    const n = nonNegativeInt(raw);
    switch (name) {
      case 'usage': {
        const [input, output] = raw.split(',').map(nonNegativeInt);
        if (input !== undefined && output !== undefined) d.usage = { input, output };
        break;
      }
      case 'cached': if (n !== undefined) d.cached = n; break;
      case 'cachewrite': if (n !== undefined) d.cacheWrite = n; break;
      case 'reasoning': if (n !== undefined) d.reasoning = n; break;
      case 'parallel': if (n !== undefined && n >= 1) d.parallel = n; break;
      case 'thinking': d.thinking = raw; break;
      case 'reply': d.reply = raw; break;
      case 'status': if (n !== undefined && n >= 400 && n <= 599) d.status = n; break;
      case 'retry_after': d.retryAfter = raw.trim(); break;
      case 'cut': if (n !== undefined) d.cut = n; break;
      case 'delay': if (n !== undefined) d.delayMs = n; break;
      case 'gap': if (n !== undefined) d.gapMs = n; break;
      case 'midstream_error': if (n !== undefined) d.midstreamError = n; break;
    }
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Scenario
// ---------------------------------------------------------------------------------------------

export type ToolChoice = { kind: 'auto' } | { kind: 'none' } | { kind: 'tool'; name: string };

/** What the encoders extract from a request. */
export interface Conversation {
  /** Every piece of message text (system, user, assistant, tool results); drives default input usage. */
  texts: string[];
  /** Raw text (directives included) of the last message the user typed. */
  lastUserText: string;
  /** Tool result texts when the request ends with a tool-result turn, else null. */
  toolResults: string[] | null;
  /** Declared tool names, in request order. */
  tools: string[];
  toolChoice: ToolChoice;
}

export interface ToolCall {
  name: string;
  /** JSON text, e.g. `{"query":"weather in Oslo"}`. */
  arguments: string;
}

/** Neutral usage. Each encoder maps it to its own convention. */
export interface Usage {
  /** Uncached input tokens (Anthropic `input_tokens`; OpenAI `prompt_tokens` = input + cacheRead). */
  input: number;
  cacheRead: number;
  cacheWrite: number;
  /** Output tokens, reasoning included. */
  output: number;
  reasoning: number;
}

export interface Reply {
  thinking: string | null;
  /** Null when the reply consists of tool calls only. */
  text: string | null;
  toolCalls: ToolCall[];
  usage: Usage;
}

export interface StreamPlan {
  gapMs: number;
  /** Drop the connection after this many events. */
  cutAfter: number | null;
  /** Replace the rest of the stream with an error event after this many events. */
  errorAfter: number | null;
}

export interface Scenario {
  directives: Directives;
  delayMs: number;
  error: { status: number; retryAfter: string | null } | null;
  reply: Reply;
  stream: StreamPlan;
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export function defaultInputTokens(texts: string[]): number {
  const chars = texts.reduce((sum, t) => sum + t.length, 0);
  return Math.ceil(chars / 4) + 3;
}

export function planScenario(conv: Conversation, caps: { thinking: boolean }): Scenario {
  const source = [conv.lastUserText, ...(conv.toolResults ?? [])].join('\n');
  const d = parseDirectives(source);
  const userText = stripDirectives(conv.lastUserText);

  const thinking = caps.thinking && d.thinking !== undefined ? d.thinking : null;

  const wantsTools =
    conv.tools.length > 0 && conv.toolResults === null && conv.toolChoice.kind !== 'none';
  const toolCalls: ToolCall[] = [];
  if (wantsTools) {
    const args = JSON.stringify({ query: userText });
    for (let i = 0; i < (d.parallel ?? 1); i++) {
      const forced = conv.toolChoice.kind === 'tool' ? conv.toolChoice.name : undefined;
      const name = forced ?? conv.tools[i] ?? conv.tools[0] ?? 'tool';
      toolCalls.push({ name, arguments: args });
    }
  }

  let text: string | null = null;
  if (d.reply !== undefined) text = d.reply;
  else if (conv.toolResults !== null) {
    text = `tool result: ${conv.toolResults.map(stripDirectives).join('\n')}`;
  } else if (toolCalls.length === 0) text = `echo: ${userText}`;

  const reasoning = d.reasoning ?? 0;
  const generated = [thinking ?? '', text ?? '', ...toolCalls.map((c) => c.arguments)].join(' ');
  const usage: Usage = {
    input: d.usage?.input ?? defaultInputTokens(conv.texts),
    cacheRead: d.cached ?? 0,
    cacheWrite: d.cacheWrite ?? 0,
    output: d.usage?.output ?? countWords(generated) + 1 + reasoning,
    reasoning,
  };

  return {
    directives: d,
    delayMs: d.delayMs ?? 0,
    error: d.status !== undefined ? { status: d.status, retryAfter: d.retryAfter ?? null } : null,
    reply: { thinking, text, toolCalls, usage },
    stream: { gapMs: d.gapMs ?? 0, cutAfter: d.cut ?? null, errorAfter: d.midstreamError ?? null },
  };
}

/** Split into `parts` roughly equal pieces (fewer when the text is shorter); never splits a code point. */
export function splitEven(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.min(parts, chars.length));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(''));
  }
  return out;
}

/** Apply the stream plan's error/cut to a list of already-encoded frames. */
export function applyStreamPlan(frames: string[], plan: StreamPlan, errorFrame: string): string[] {
  if (plan.errorAfter === null || plan.errorAfter >= frames.length) return frames;
  return [...frames.slice(0, plan.errorAfter), errorFrame];
}

/** Deterministic short hash (FNV-1a, hex), e.g. for thinking signatures. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(prefix: string, length = 24): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return prefix + Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join('');
}

// ---------------------------------------------------------------------------------------------
// JSON narrowing helpers (request bodies are untrusted `unknown`)
// ---------------------------------------------------------------------------------------------

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Text of a content value that is a string or an array of `{type:"text",text}` parts/blocks. */
export function textParts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  return asArray(content).flatMap((p) =>
    isObject(p) && p.type === 'text' && typeof p.text === 'string' ? [p.text] : [],
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP / SSE helpers
// ---------------------------------------------------------------------------------------------

export interface IncomingRequest {
  req: Request;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON; `undefined` when the body is empty or not JSON. */
  json: unknown;
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? Bun.sleep(ms) : Promise.resolve();
}

export function jsonResponse(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/**
 * Stream pre-encoded SSE frames. With `cutAfter` the connection is dropped without a proper
 * end of the chunked body, so clients see a network error (like a real mid-stream disconnect).
 */
export function sseResponse(frames: string[], plan: StreamPlan, headers: Record<string, string>): Response {
  const encoder = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (plan.cutAfter !== null && i >= plan.cutAfter) {
        await sleep(25); // let the frames already sent reach the client before the reset
        controller.error(); // no reason: Bun resets the socket without logging anything
        return;
      }
      const frame = frames[i];
      if (frame === undefined) {
        controller.close();
        return;
      }
      if (i > 0) await sleep(plan.gapMs);
      i++;
      controller.enqueue(encoder.encode(frame));
    },
  });
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
  });
}

/** Start a Bun server on 127.0.0.1 that records every request before handing it to `handle`. */
export function startRecordingServer(
  port: number | undefined,
  handle: (incoming: IncomingRequest) => Promise<Response>,
): MockUpstream {
  const requests: RecordedRequest[] = [];
  const server = Bun.serve({
    port: port ?? 0,
    hostname: '127.0.0.1',
    idleTimeout: 255,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const headers: Record<string, string> = {};
      req.headers.forEach((value, key) => {
        headers[key.toLowerCase()] = value;
      });
      const raw = await req.text();
      let json: unknown;
      try {
        json = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method, path, headers, body: json ?? (raw === '' ? null : raw) });
      return handle({ req, method: req.method, path, headers, json });
    },
  });
  const actualPort = server.port ?? port ?? 0;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    stop: () => server.stop(true),
  };
}
