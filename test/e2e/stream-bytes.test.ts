// Invariant 5 (ARCHITECTURE.md section 7): a same-protocol stream reaches the client byte for
// byte as the upstream sent it, except the `model` field. The upstreams here replay fixed
// bytes with the quirks real ones have (comments, unknown fields and events, CRLF, odd
// spacing), and the client reads the raw body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, type Harness } from "../helpers/harness.ts";

const OPENAI_CHUNK = (delta: string, extra = "") =>
  `data: {"id":"chatcmpl-fixed","object":"chat.completion.chunk","created":1765000000,"model":"MiniMax-M2.7","system_fingerprint":"fp_1","choices":[{"index":0,"delta":${delta},"finish_reason":null}]${extra}}\n\n`;

const OPENAI_STREAM = [
  ": keep-alive\n\n",
  OPENAI_CHUNK(`{"role":"assistant","content":""}`),
  OPENAI_CHUNK(`{"content":"Hel"}`, `,"x_vendor":{"trace":"a\\"b"}`),
  OPENAI_CHUNK(`{"reasoning_content":"hmm","content":"lo \\u00e9"}`).replace(/\n\n$/, "\r\n\r\n"),
  `data:{"id":"chatcmpl-fixed","object":"chat.completion.chunk","created":1765000000,"model":"MiniMax-M2.7","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n`,
  `data: {"id":"chatcmpl-fixed","object":"chat.completion.chunk","created":1765000000,"model":"MiniMax-M2.7","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}\n\n`,
  "data: [DONE]\n\n",
];

const ANTHROPIC_STREAM = [
  `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_fixed","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}\n\n`,
  `event: ping\ndata: {"type": "ping"}\n\n`,
  `event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n`,
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi \\"there\\""}}\n\n`,
  `event: some_future_event\ndata: {"type":"some_future_event","model":"not-rewritten-here"}\n\n`,
  `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`,
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":3}}\n\n`,
  `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
];

/** Sends each event as its own write, the way upstreams flush them. */
function replay(events: string[]): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream<Uint8Array>({
      async start(controller) {
        for (const e of events) {
          controller.enqueue(encoder.encode(e));
          await Bun.sleep(1);
        }
        controller.close();
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
}

let upstream: ReturnType<typeof Bun.serve>;
let h: Harness;
let key: string;

beforeAll(async () => {
  upstream = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => (new URL(req.url).pathname.endsWith("/messages") ? replay(ANTHROPIC_STREAM) : replay(OPENAI_STREAM)),
  });
  const base = `http://127.0.0.1:${upstream.port}`;
  h = await startHarness({ PROVIDER_MINIMAX_BASE_URL: `${base}/v1`, PROVIDER_ANTHROPIC_BASE_URL: base });
  key = (await h.newUser(100)).key;
}, 60_000);

afterAll(async () => {
  await h?.stop();
  upstream?.stop(true);
}, 60_000);

async function rawStream(path: string, body: unknown): Promise<string> {
  const res = await fetch(`${h.sluice.gatewayUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.text();
}

describe("same-protocol streams, byte for byte", () => {
  test("OpenAI chat: every byte but the model field, comments, CRLF and vendor fields included", async () => {
    const got = await rawStream("/v1/chat/completions", {
      model: "minimax-m2.7",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    expect(got).toBe(OPENAI_STREAM.join("").replaceAll('"model":"MiniMax-M2.7"', '"model":"minimax-m2.7"'));
  });

  test("Anthropic messages: every byte but the message's model, unknown events included", async () => {
    const got = await rawStream("/v1/messages", {
      model: "claude-sonnet-4.6",
      max_tokens: 100,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(got).toBe(ANTHROPIC_STREAM.join("").replace('"model":"claude-sonnet-4-6"', '"model":"claude-sonnet-4.6"'));
  });
});
