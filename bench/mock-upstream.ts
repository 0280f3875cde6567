// A fast mock upstream for load tests: OpenAI Chat Completions (JSON and SSE) and Anthropic
// Messages (SSE and JSON), with every body precomputed at start so the mock spends as little
// CPU per request as possible. The bodies follow the real wire formats
// (../shared/reference/protocols.md A.3, A.5, B.3, B.5): an OpenAI completion of ~650 bytes,
// an OpenAI stream of 20 chunks + the usage chunk + [DONE], an Anthropic stream with the same
// text in the same number of deltas.
//
// Routes (base URLs as the SDKs expect them: OpenAI `<url>/v1`, Anthropic `<url>`):
//   POST /v1/chat/completions        OpenAI; streams when the body has "stream":true
//   POST /v1/messages                Anthropic; streams when the body has "stream":true
//   POST /slow/v1/chat/completions   OpenAI stream that sends its first two chunks, then holds
//                                    the stream open until the client leaves (memory scenario)
//   GET  /stats                      {requests, open_slow}
//
// Run alone: `bun bench/mock-upstream.ts` prints `BENCH_READY {"url":...}` on stdout.

const encoder = new TextEncoder();

export const UPSTREAM_OPENAI_MODEL = "gpt-5.4-mini-2026-03-17";
export const UPSTREAM_ANTHROPIC_MODEL = "claude-haiku-4-5-20251001";

/** The reply text, cut into 18 pieces (the OpenAI stream adds a role chunk and a finish chunk). */
const PIECES = [
  "Rivers ",
  "carry ",
  "light ",
  "downstream, ",
  "folding ",
  "the ",
  "sky ",
  "into ",
  "slow ",
  "silver ",
  "bends.\n",
  "Stones ",
  "keep ",
  "count ",
  "of ",
  "every ",
  "passing ",
  "year.",
];
const TEXT = PIECES.join("");
const USAGE = { input: 23, output: 18 };

// ---- OpenAI ------------------------------------------------------------------------------

function openaiCompletion(): string {
  return JSON.stringify({
    id: "chatcmpl-CbGx5r1mQeT8vYw0Lk2PZaHnUj3Fd",
    object: "chat.completion",
    created: 1763800000,
    model: UPSTREAM_OPENAI_MODEL,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: TEXT, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: USAGE.input,
      completion_tokens: USAGE.output,
      total_tokens: USAGE.input + USAGE.output,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: "default",
    system_fingerprint: "fp_5e1d0c2b7a",
  });
}

/** `data: {chunk}\n\n` events: role, 18 content deltas, finish, usage, then `data: [DONE]`. */
function openaiStreamEvents(): string[] {
  const chunk = (choices: unknown[], usage: unknown) =>
    JSON.stringify({
      id: "chatcmpl-CbGx5r1mQeT8vYw0Lk2PZaHnUj3Fd",
      object: "chat.completion.chunk",
      created: 1763800000,
      model: UPSTREAM_OPENAI_MODEL,
      service_tier: "default",
      system_fingerprint: "fp_5e1d0c2b7a",
      choices,
      usage,
    });
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }], null);
  const events = [delta({ role: "assistant", content: "", refusal: null })];
  for (const piece of PIECES) events.push(delta({ content: piece }));
  events.push(delta({}, "stop"));
  events.push(
    chunk([], {
      prompt_tokens: USAGE.input,
      completion_tokens: USAGE.output,
      total_tokens: USAGE.input + USAGE.output,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    }),
  );
  return [...events.map((e) => `data: ${e}\n\n`), "data: [DONE]\n\n"];
}

// ---- Anthropic ---------------------------------------------------------------------------

const ANTHROPIC_ID = "msg_01HqV8mYc2sK7rT4wN9pL3xZ";

/** Anthropic's usage object, as a message (or message_start) carries it. */
function anthropicUsage(outputTokens: number) {
  return {
    input_tokens: USAGE.input,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: outputTokens,
    service_tier: "standard",
  };
}

function anthropicMessage(): string {
  return JSON.stringify({
    id: ANTHROPIC_ID,
    type: "message",
    role: "assistant",
    model: UPSTREAM_ANTHROPIC_MODEL,
    content: [{ type: "text", text: TEXT }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: anthropicUsage(USAGE.output),
  });
}

/** message_start, content_block_start, ping, 18 text deltas, content_block_stop, message_delta, message_stop. */
function anthropicStreamEvents(): string[] {
  const ev = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const events = [
    ev("message_start", {
      type: "message_start",
      message: {
        id: ANTHROPIC_ID,
        type: "message",
        role: "assistant",
        model: UPSTREAM_ANTHROPIC_MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // message_start reports the output so far; message_delta the final count.
        usage: anthropicUsage(1),
      },
    }),
    ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
    ev("ping", { type: "ping" }),
  ];
  for (const piece of PIECES) {
    events.push(ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } }));
  }
  events.push(ev("content_block_stop", { type: "content_block_stop", index: 0 }));
  events.push(
    ev("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: USAGE.output },
    }),
  );
  events.push(ev("message_stop", { type: "message_stop" }));
  return events;
}

// ---- Server ------------------------------------------------------------------------------

export interface MockBodies {
  openaiJson: Uint8Array;
  anthropicJson: Uint8Array;
  openaiEvents: Uint8Array[];
  anthropicEvents: Uint8Array[];
}

export function mockBodies(): MockBodies {
  return {
    openaiJson: encoder.encode(openaiCompletion()),
    anthropicJson: encoder.encode(anthropicMessage()),
    openaiEvents: openaiStreamEvents().map((e) => encoder.encode(e)),
    anthropicEvents: anthropicStreamEvents().map((e) => encoder.encode(e)),
  };
}

const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

export interface MockServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * Streams are sent one event per write, like a real upstream emitting tokens (the receiver
 * sees several chunks and frames events across them); nothing waits between events.
 */
export function startMockUpstream(opts: { port?: number } = {}): MockServer {
  const bodies = mockBodies();
  let requests = 0;
  let openSlow = 0;

  const streamOf = (events: Uint8Array[]) =>
    new ReadableStream<Uint8Array>({
      type: "direct",
      async pull(controller: ReadableStreamDirectController) {
        for (const e of events) {
          controller.write(e);
          await controller.flush();
        }
        controller.close();
      },
    });

  const slowStream = (events: Uint8Array[]) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new ReadableStream<Uint8Array>({
      start(controller) {
        openSlow++;
        controller.enqueue(events[0]!);
        controller.enqueue(events[1]!);
        // Held open until the client leaves; finished after 10 minutes as a safety net.
        timer = setTimeout(() => {
          for (const e of events.slice(2)) controller.enqueue(e);
          openSlow--;
          controller.close();
        }, 600_000);
      },
      cancel() {
        clearTimeout(timer);
        openSlow--;
      },
    });
  };

  const server = Bun.serve({
    port: opts.port ?? 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      requests++;
      const path = new URL(req.url).pathname;
      if (req.method === "GET" && path === "/stats") return Response.json({ requests, open_slow: openSlow });
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      const body = await req.text();
      const stream = body.includes('"stream":true');
      switch (path) {
        case "/v1/chat/completions":
          if (stream) return new Response(streamOf(bodies.openaiEvents), { headers: SSE_HEADERS });
          return new Response(bodies.openaiJson, { headers: JSON_HEADERS });
        case "/v1/messages":
          if (stream) return new Response(streamOf(bodies.anthropicEvents), { headers: SSE_HEADERS });
          return new Response(bodies.anthropicJson, { headers: JSON_HEADERS });
        case "/slow/v1/chat/completions":
          return new Response(slowStream(bodies.openaiEvents), { headers: SSE_HEADERS });
        default:
          return new Response(JSON.stringify({ error: { message: `Invalid URL (POST ${path})`, type: "invalid_request_error", param: null, code: null } }), {
            status: 404,
            headers: JSON_HEADERS,
          });
      }
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    async stop() {
      await server.stop(true);
    },
  };
}

if (import.meta.main) {
  const mock = startMockUpstream({ port: Number(process.env.PORT ?? 0) });
  console.log(`BENCH_READY ${JSON.stringify({ url: mock.url, pid: process.pid })}`);
}
