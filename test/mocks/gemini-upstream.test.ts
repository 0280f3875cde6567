/**
 * The Gemini mock, checked with the official @google/genai client, and the Gemini translation
 * (messages-over-gemini + the gemini adapter) driven end to end against it by the official
 * Anthropic SDK through a minimal Anthropic-facing relay.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, FinishReason, FunctionCallingConfigMode, GoogleGenAI, type Content, type GenerateContentResponse } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createParser } from 'eventsource-parser';
import { messagesToGeminiRequest } from '../../src/protocols/translate/messages-over-gemini/request.ts';
import { geminiToMessagesResponse } from '../../src/protocols/translate/messages-over-gemini/response.ts';
import { anthropicErrorType, isObject } from '../../src/protocols/translate/messages-over-gemini/shared.ts';
import { SKIP_SIGNATURE } from '../../src/protocols/translate/messages-over-gemini/signatures.ts';
import { GeminiToMessagesStream } from '../../src/protocols/translate/messages-over-gemini/stream.ts';
import { TranslationError, type TranslateContext, type WireEvent } from '../../src/protocols/translate/types.ts';
import { geminiAdapter } from '../../src/providers/gemini/adapter.ts';
import { startGeminiMock } from './gemini-upstream.ts';
import type { MockUpstream } from './types.ts';

type Json = Record<string, unknown>;

const tools = [
  { functionDeclarations: [
    { name: 'search', parametersJsonSchema: { type: 'object', properties: { query: { type: 'string' } } } },
    { name: 'lookup', parametersJsonSchema: { type: 'object', properties: {} } },
  ] },
];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
}

function apiError(e: unknown): ApiError {
  if (!(e instanceof ApiError)) throw e;
  return e;
}

describe('Gemini mock with @google/genai', () => {
  let mock: MockUpstream;
  let ai: GoogleGenAI;

  beforeAll(async () => {
    mock = await startGeminiMock();
    ai = new GoogleGenAI({ apiKey: 'AIza-mock', httpOptions: { baseUrl: mock.url } });
  });
  afterAll(() => mock.stop());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  test('generateContent: echo, usage, recorded request', async () => {
    const res = await ai.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hello there [[mock:usage=40,6]] [[mock:cached=30]]',
      config: { systemInstruction: 'Be brief.' },
    });
    expect(res.text).toBe('echo: hello there');
    expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(res.usageMetadata).toMatchObject({ promptTokenCount: 70, cachedContentTokenCount: 30, candidatesTokenCount: 6, totalTokenCount: 76 });
    expect(res.modelVersion).toBe('gemini-2.5-flash');
    expect(res.responseId).toBeString();

    const rec = mock.requests[0];
    expect(rec?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(rec?.headers['x-goog-api-key']).toBe('AIza-mock');
    expect(rec?.body).toMatchObject({ systemInstruction: { parts: [{ text: 'Be brief.' }] } });
  });

  test('stream: chunks add up, finishReason and final usage on the last one; raw frames are CRLF data: lines, no [DONE]', async () => {
    const chunks: GenerateContentResponse[] = [];
    for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'stream me please [[mock:usage=11,22]]' })) chunks.push(c);
    expect(chunks.map((c) => c.text).join('')).toBe('echo: stream me please');
    expect(chunks.length).toBe(5);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    expect(chunks.at(-1)?.usageMetadata).toMatchObject({ promptTokenCount: 11, candidatesTokenCount: 22, totalTokenCount: 33 });
    for (const c of chunks.slice(0, -1)) expect(c.candidates?.[0]?.finishReason).toBeUndefined();
    expect(mock.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');

    const raw = await fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'abc' }] }] }),
    });
    expect(raw.headers.get('content-type')).toStartWith('text/event-stream');
    const text = await raw.text();
    const frames = text.split('\r\n\r\n');
    expect(frames.pop()).toBe('');
    for (const f of frames) expect(f).toMatch(/^data: \{.*\}$/);
    expect(text).not.toContain('[DONE]');
  });

  test('stream without alt=sse: one JSON array', async () => {
    const res = await fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'abc' }] }] }),
    });
    const body: unknown = await res.json();
    expect(Array.isArray(body) && body.length).toBe(5);
  });

  test('thinking: a thought part only with includeThoughts; a text signature when thinking is on', async () => {
    const ask = (includeThoughts: boolean) =>
      ai.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'q [[mock:thinking=let me think]]',
        config: { thinkingConfig: { thinkingBudget: 1024, includeThoughts } },
      });
    const withThoughts = await ask(true);
    const parts = withThoughts.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]).toEqual({ text: 'let me think', thought: true });
    expect(parts[1]?.text).toBe('echo: q');
    expect(parts[1]?.thoughtSignature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(withThoughts.text).toBe('echo: q');
    expect(withThoughts.usageMetadata?.thoughtsTokenCount).toBe(3);

    const hidden = await ask(false);
    expect(hidden.candidates?.[0]?.content?.parts?.map((p) => p.thought ?? false)).toEqual([false]);

    const chunks: GenerateContentResponse[] = [];
    for await (const c of await ai.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'q [[mock:thinking=a b c d]]',
      config: { thinkingConfig: { includeThoughts: true } },
    })) chunks.push(c);
    const streamed = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    expect(streamed.filter((p) => p.thought).map((p) => p.text).join('')).toBe('a b c d');
    expect(streamed.at(-1)).toEqual({ text: '', thoughtSignature: expect.any(String) });
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
  });

  test('tool calls: one chunk, the first call signed, forced tool, ids on request', async () => {
    const res = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: 'two [[mock:parallel=2]]', config: { tools } });
    const parts = res.candidates?.[0]?.content?.parts ?? [];
    expect(res.functionCalls?.map((c) => [c.name, c.args])).toEqual([['search', { query: 'two' }], ['lookup', { query: 'two' }]]);
    expect(parts[0]?.thoughtSignature).toBeString();
    expect(parts[1]?.thoughtSignature).toBeUndefined();
    expect(res.functionCalls?.[0]?.id).toBeUndefined();
    expect(res.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);

    const forced = await ai.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: 'x',
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['lookup'] } } },
    });
    expect(forced.functionCalls?.map((c) => c.name)).toEqual(['lookup']);
    const none = await ai.models.generateContent({
      model: 'gemini-3-pro-preview',
      contents: 'x',
      config: { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.NONE } } },
    });
    expect(none.text).toBe('echo: x');

    const withIds = await startGeminiMock({ functionCallIds: true });
    try {
      const ai2 = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: withIds.url } });
      const r = await ai2.models.generateContent({ model: 'gemini-3-pro-preview', contents: 'x', config: { tools } });
      expect(r.functionCalls?.[0]?.id).toMatch(/^[a-z0-9]{8}$/);
    } finally {
      await withIds.stop();
    }
  });

  describe('thought signature validation', () => {
    async function firstTurn(): Promise<{ history: Content[]; model: Content }> {
      const user: Content = { role: 'user', parts: [{ text: 'weather in oslo' }] };
      const res = await ai.models.generateContent({ model: 'gemini-3-pro-preview', contents: [user], config: { tools } });
      const model = res.candidates?.[0]?.content;
      if (!model) throw new Error('no content');
      return { history: [user], model };
    }
    const replay = (history: Content[], model: Content) =>
      ai.models.generateContent({
        model: 'gemini-3-pro-preview',
        contents: [...history, model, { role: 'user', parts: [{ functionResponse: { name: 'search', response: { output: '4 C' } } }] }],
        config: { tools },
      });
    const withSignature = (model: Content, sig: string | undefined): Content => ({
      ...model,
      parts: (model.parts ?? []).map((p) => {
        const { thoughtSignature: _s, ...rest } = p;
        return sig === undefined ? rest : { ...rest, thoughtSignature: sig };
      }),
    });

    test('replayed verbatim (as the SDK chat does): accepted', async () => {
      const { history, model } = await firstTurn();
      expect((await replay(history, model)).text).toBe('tool result: 4 C');

      const chat = ai.chats.create({ model: 'gemini-3-pro-preview', config: { tools } });
      const first = await chat.sendMessage({ message: 'weather in oslo' });
      expect(first.functionCalls?.[0]?.name).toBe('search');
      const second = await chat.sendMessage({ message: [{ functionResponse: { name: 'search', response: { output: '5 C' } } }] });
      expect(second.text).toBe('tool result: 5 C');
    });

    test('signature dropped: 400 INVALID_ARGUMENT like Gemini 3', async () => {
      const { history, model } = await firstTurn();
      const err = apiError(await rejection(replay(history, withSignature(model, undefined))));
      expect(err.status).toBe(400);
      expect(err.message).toContain('INVALID_ARGUMENT');
      expect(err.message).toContain('missing a thought_signature');
    });

    test('wrong signature, or the skip value on a call the mock made: 400', async () => {
      const { history, model } = await firstTurn();
      const wrong = apiError(await rejection(replay(history, withSignature(model, 'AAAA'))));
      expect(wrong.status).toBe(400);
      expect(wrong.message).toContain('Corrupted thought signature');
      const skip = apiError(await rejection(replay(history, withSignature(model, SKIP_SIGNATURE))));
      expect(skip.status).toBe(400);
    });

    test('calls the mock never made are not checked; the skip value passes', async () => {
      const foreign: Content = { role: 'model', parts: [{ functionCall: { name: 'search', args: { query: 'made elsewhere' } } }] };
      expect((await replay([{ role: 'user', parts: [{ text: 'x' }] }], foreign)).text).toBe('tool result: 4 C');
      const skipped = withSignature(foreign, SKIP_SIGNATURE);
      expect((await replay([{ role: 'user', parts: [{ text: 'x' }] }], skipped)).text).toBe('tool result: 4 C');
    });
  });

  test('errors: google.rpc shape, RetryInfo on 429, SDK ApiError with the status', async () => {
    const ask = (text: string) => ai.models.generateContent({ model: 'gemini-2.5-flash', contents: text });
    const rate = apiError(await rejection(ask('x [[mock:status=429]] [[mock:retry_after=3]]')));
    expect(rate.status).toBe(429);
    const body = JSON.parse(rate.message) as { error: Json & { details: Json[] } };
    expect(body.error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body.error.message).toContain('generativelanguage.mock-gemini.test');
    expect(body.error.details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' });
    expect(body.error.details.some((d) => d['@type'] === 'type.googleapis.com/google.rpc.QuotaFailure')).toBe(true);

    const raw = await fetch(`${mock.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'k' },
      body: JSON.stringify({ contents: [{ parts: [{ text: '[[mock:status=429]]' }] }] }),
    });
    expect(raw.headers.get('retry-after')).toBeNull();
    expect(await raw.json()).toMatchObject({ error: { details: expect.arrayContaining([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '27s' }]) } });

    for (const [code, status] of [[400, 'INVALID_ARGUMENT'], [403, 'PERMISSION_DENIED'], [404, 'NOT_FOUND'], [500, 'INTERNAL'], [503, 'UNAVAILABLE'], [504, 'DEADLINE_EXCEEDED']] as const) {
      const e = apiError(await rejection(ask(`[[mock:status=${code}]]`)));
      expect(e.status).toBe(code);
      expect(e.message).toContain(status);
    }
  });

  test('auth, unknown fields, bad contents, unknown model and method', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': 'k' }) =>
      fetch(`${mock.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    const ok = { contents: [{ role: 'user', parts: [{ text: 'x' }] }] };
    const path = '/v1beta/models/gemini-2.5-flash:generateContent';

    const noKey = await post(path, ok, {});
    expect(noKey.status).toBe(403);
    expect(await noKey.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });

    const cases: [unknown, string][] = [
      [{ ...ok, model: 'gemini-2.5-flash' }, 'Unknown name "model"'],
      [{ ...ok, generationConfig: { max_tokens: 3 } }, 'Unknown name "max_tokens"'],
      [{ ...ok, generationConfig: { thinkingConfig: { thinkingBudget: 1, thinkingLevel: 'LOW' } } }, 'thinking budget and thinking level'],
      [{ contents: [] }, 'contents is not specified'],
      [{ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, 'valid role'],
      [{ contents: [{ role: 'user', parts: [] }] }, 'must not be empty'],
      [{ contents: [{ role: 'user', parts: [{ type: 'text', text: 'x' }] }] }, 'Unknown name "type"'],
      [{ contents: [{ role: 'user', parts: [{ text: 'x', thoughtSignature: 'msg_abc!' }] }] }, 'Base64 decoding failed'],
    ];
    for (const [body, message] of cases) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining(message) } });
    }
    expect((await post('/v1beta/models/no-such-model:generateContent', ok)).status).toBe(404);
    expect((await post('/v1beta/models/gemini-2.5-flash:embedContent', ok)).status).toBe(404);
  });

  test('midstream error and cut: the SDK stream fails', async () => {
    const consume = async (text: string) => {
      const seen: GenerateContentResponse[] = [];
      for await (const c of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: text })) seen.push(c);
      return seen;
    };
    const mid = apiError(await rejection(consume('hi there you [[mock:midstream_error=2]]')));
    expect(mid.status).toBe(503);
    expect(mid.message).toContain('UNAVAILABLE');
    expect(await rejection(consume('hi there you [[mock:cut=2]]'))).toBeInstanceOf(Error);
  });

  test('delay and gap', async () => {
    const t0 = performance.now();
    await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: '[[mock:delay=150]]' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = performance.now();
    for await (const _ of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'a b c d e f [[mock:gap=30]]' })) void _;
    expect(performance.now() - t1).toBeGreaterThanOrEqual(4 * 30 - 10);
  });

  test('countTokens and models list', async () => {
    const count = await ai.models.countTokens({ model: 'gemini-2.5-flash', contents: 'abcdefgh' });
    expect(count.totalTokens).toBe(2 + 3);
    const ids: string[] = [];
    for await (const m of await ai.models.list()) ids.push(String(m.name));
    expect(ids).toContain('models/gemini-2.5-flash');
  });
});

// ---------------------------------------------------------------------------------------------
// Anthropic SDK -> messages-over-gemini -> gemini adapter -> Gemini mock, and back
// ---------------------------------------------------------------------------------------------

/** The smallest Anthropic-facing relay over the Gemini translation (the real one is src/http). */
function startRelay(upstream: () => string): { url: string; stop: () => Promise<void> } {
  const encode = (events: WireEvent[]) => events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('');
  const anthropicError = (status: number, type: string, message: string) =>
    Response.json({ type: 'error', error: { type, message } }, { status });
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const body = (await req.json()) as Json;
      const model = String(body.model);
      const ctx: TranslateContext = { publicModel: `public/${model}`, upstreamModel: model, maxOutput: 65536, flags: { reasoning: true, vision: true } };
      let geminiBody: Json;
      try {
        geminiBody = messagesToGeminiRequest(body, ctx);
      } catch (e) {
        if (e instanceof TranslationError) return anthropicError(400, 'invalid_request_error', `${e.param}: ${e.message}`);
        throw e;
      }
      const stream = body.stream === true;
      const call = geminiAdapter.buildCall({ id: 'g', kind: 'gemini', baseUrl: upstream(), apiKey: 'AIza-relay' }, geminiBody, req.headers, { upstreamModel: model, stream });
      const res = await fetch(call.url, { method: 'POST', headers: call.headers, body: call.body });
      if (!res.ok) {
        const err: unknown = await res.json();
        const e = isObject(err) && isObject(err.error) ? err.error : {};
        return anthropicError(res.status, anthropicErrorType(e), String(e.message));
      }
      if (!stream) return Response.json(geminiToMessagesResponse(await res.json(), ctx));

      const t = new GeminiToMessagesStream(ctx);
      const upstreamBody = res.body;
      if (!upstreamBody) return anthropicError(502, 'api_error', 'no body');
      const out = new ReadableStream<Uint8Array>({
        async start(controller) {
          const enc = new TextEncoder();
          const parser = createParser({
            onEvent(ev) {
              controller.enqueue(enc.encode(encode(t.push({ event: ev.event ?? '', data: JSON.parse(ev.data) as unknown }))));
            },
          });
          const dec = new TextDecoder();
          for await (const bytes of upstreamBody) parser.feed(dec.decode(bytes, { stream: true }));
          const tail =
            t.state === 'complete'
              ? t.finish()
              : t.fail(t.upstreamError ?? { type: 'api_error', message: 'The upstream stream ended early.' });
          controller.enqueue(enc.encode(encode(tail)));
          controller.close();
        },
      });
      return new Response(out, { headers: { 'content-type': 'text/event-stream' } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

describe('Anthropic SDK through the Gemini translation against the Gemini mock', () => {
  let mock: MockUpstream;
  let relay: { url: string; stop: () => Promise<void> };
  let client: Anthropic;
  const anthropicTools: Anthropic.Tool[] = [
    { name: 'search', description: 'Search the web', input_schema: { type: 'object', properties: { query: { type: 'string' } } } },
    { name: 'lookup', input_schema: { type: 'object', properties: {} } },
  ];

  beforeAll(async () => {
    mock = await startGeminiMock();
    relay = startRelay(() => mock.url);
    client = new Anthropic({ baseURL: relay.url, apiKey: 'k', maxRetries: 0 });
  });
  afterAll(async () => {
    await relay.stop();
    await mock.stop();
  });
  beforeEach(() => {
    mock.requests.length = 0;
  });

  const turn = (model: string, stream: boolean, messages: Anthropic.MessageParam[], extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
    stream
      ? client.messages.stream({ model, max_tokens: 2000, tools: anthropicTools, messages, ...extra }).finalMessage()
      : client.messages.create({ model, max_tokens: 2000, tools: anthropicTools, messages, ...extra });

  for (const stream of [false, true]) {
    for (const model of ['gemini-3-pro-preview', 'gemini-2.5-flash']) {
      test(`${model}, ${stream ? 'stream' : 'create'}: tool loop, the signature goes back on its functionCall`, async () => {
        const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'weather oslo [[mock:parallel=2]] [[mock:usage=50,9]]' }];
        const first = await turn(model, stream, messages);
        expect(first.stop_reason).toBe('tool_use');
        expect(first.model).toBe(`public/${model}`);
        expect(first.usage).toMatchObject({ input_tokens: 50, output_tokens: 9 });
        const calls = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
        expect(calls.map((c) => [c.name, c.input])).toEqual([['search', { query: 'weather oslo' }], ['lookup', { query: 'weather oslo' }]]);
        expect(calls[0]?.id).toStartWith('toolu_gs_');

        mock.requests.length = 0;
        messages.push(
          { role: 'assistant', content: first.content },
          { role: 'user', content: calls.map((c) => ({ type: 'tool_result' as const, tool_use_id: c.id, content: `${c.name} says 4 C` })) },
        );
        const second = await turn(model, stream, messages);
        expect(second.content).toMatchObject([{ type: 'text', text: 'tool result: search says 4 C\nlookup says 4 C' }]);
        expect(second.stop_reason).toBe('end_turn');

        // The upstream saw exactly what Gemini needs: the signature on the first call, none invented.
        const sent = mock.requests[0]?.body as { contents: { role: string; parts: Json[] }[] };
        const modelTurn = sent.contents[1];
        expect(modelTurn?.role).toBe('model');
        expect(modelTurn?.parts.map((p) => typeof p.thoughtSignature)).toEqual(['string', 'undefined']);
        expect(sent.contents[2]?.parts.map((p) => (p.functionResponse as Json).name)).toEqual(['search', 'lookup']);
      });
    }
  }

  test('thinking: thought parts become thinking blocks and go back as thought parts', async () => {
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'why [[mock:thinking=pondering deeply]]' }];
    for (const stream of [false, true]) {
      const msg = await turn('gemini-2.5-flash', stream, messages, { thinking: { type: 'enabled', budget_tokens: 1024 }, tools: [] });
      expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text', 'thinking']);
      expect(msg.content[0]?.type === 'thinking' && msg.content[0].thinking).toBe('pondering deeply');
      expect(msg.content[1]?.type === 'text' && msg.content[1].text).toBe('echo: why');
      expect(msg.usage.output_tokens).toBeGreaterThan(0);
      const sent = mock.requests.at(-1)?.body as { generationConfig: Json };
      expect(sent.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 1024, includeThoughts: true });

      const next = await turn('gemini-2.5-flash', false, [...messages, { role: 'assistant', content: msg.content }, { role: 'user', content: 'more' }], { tools: [] });
      expect(next.content).toMatchObject([{ type: 'text', text: 'echo: more' }]);
      const replayed = (mock.requests.at(-1)?.body as { contents: { parts: Json[] }[] }).contents[1]?.parts ?? [];
      expect(replayed.map((p) => [p.thought ?? false, p.text, typeof p.thoughtSignature])).toEqual([
        [true, 'pondering deeply', 'undefined'],
        [false, 'echo: why', 'string'],
      ]);
    }
  });

  test('a client that lost the signature (rewrote the id): Gemini 3 says 400, surfaced as BadRequestError', async () => {
    for (const model of ['gemini-2.5-flash', 'gemini-3-pro-preview']) {
      const first = await turn(model, false, [{ role: 'user', content: 'weather' }]);
      const call = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      if (!call) throw new Error('no call');
      const next = turn(model, false, [
        { role: 'user', content: 'weather' },
        { role: 'assistant', content: [{ ...call, id: 'toolu_rewritten' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_rewritten', content: 'x' }] },
      ]);
      const sent = () => (mock.requests.at(-1)?.body as { contents: { parts: Json[] }[] }).contents[1]?.parts[0]?.thoughtSignature;
      if (model.startsWith('gemini-3')) {
        expect(await rejection(next)).toBeInstanceOf(Anthropic.BadRequestError);
        // The request carried the skip value, which the mock refuses for calls it made itself.
        expect(sent()).toBe(SKIP_SIGNATURE);
      } else {
        expect((await next).content).toMatchObject([{ type: 'text', text: 'tool result: x' }]);
        expect(sent()).toBeUndefined();
      }
    }
  });

  test('history from another model on Gemini 3: the skip value lets it through', async () => {
    const res = await turn('gemini-3-pro-preview', false, [
      { role: 'user', content: 'weather' },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'claude thoughts', signature: 'EqQBClaudeSignature' },
          { type: 'tool_use', id: 'toolu_01ClaudeMadeThis', name: 'search', input: { query: 'elsewhere' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01ClaudeMadeThis', content: 'sunny' }] },
    ]);
    expect(res.content).toMatchObject([{ type: 'text', text: 'tool result: sunny' }]);
    const parts = (mock.requests.at(-1)?.body as { contents: { parts: Json[] }[] }).contents[1]?.parts;
    expect(parts).toEqual([{ functionCall: { name: 'search', args: { query: 'elsewhere' } }, thoughtSignature: SKIP_SIGNATURE }]);
  });

  test('upstream errors reach the SDK as Anthropic errors', async () => {
    const rate = await rejection(turn('gemini-2.5-flash', false, [{ role: 'user', content: '[[mock:status=429]]' }]));
    expect(rate).toBeInstanceOf(Anthropic.RateLimitError);
    const mid = await rejection(turn('gemini-2.5-flash', true, [{ role: 'user', content: 'a b c d e [[mock:midstream_error=2]]' }], { tools: [] }));
    expect(mid).toBeInstanceOf(Anthropic.APIError);
    expect(mid instanceof Anthropic.APIError && mid.error).toMatchObject({ error: { type: 'overloaded_error' } });
    const bad = await rejection(turn('gemini-2.5-flash', false, [{ role: 'user', content: 'x' }], { stop_sequences: ['1', '2', '3', '4', '5', '6'] }));
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
  });
});
