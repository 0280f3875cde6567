/**
 * The Responses mock (served by the OpenAI mock at POST /v1/responses), checked with the
 * official openai SDK; then the responses-over-chat translators driven against the chat
 * mock through a minimal relay must give the SDK what the Responses mock gives it directly.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { createParser } from 'eventsource-parser';
import { responsesToChatRequest } from '../../src/protocols/translate/responses-over-chat/request.ts';
import { chatToResponsesResponse } from '../../src/protocols/translate/responses-over-chat/response.ts';
import { ChatToResponsesStream } from '../../src/protocols/translate/responses-over-chat/stream.ts';
import { encodeResponsesSse } from '../../src/protocols/translate/responses-over-chat/testing.ts';
import { TranslationError, type TranslateContext, type WireEvent } from '../../src/protocols/translate/types.ts';
import { startOpenAIMock } from './openai-upstream.ts';
import { isObject } from './scenario.ts';
import type { MockUpstream } from './types.ts';

type Json = Record<string, unknown>;

const tools: OpenAI.Responses.FunctionTool[] = [
  { type: 'function', name: 'search', strict: false, parameters: { type: 'object', properties: { query: { type: 'string' } } } },
  { type: 'function', name: 'lookup', strict: false, parameters: { type: 'object', properties: {} } },
];

/** Output items without ids, which are random. */
function shapes(output: unknown[]): Json[] {
  return output.map((raw) => {
    const { id: _id, call_id: _c, parsed_arguments: _p, ...rest } = isObject(raw) ? raw : {};
    if (Array.isArray(rest.content)) rest.content = rest.content.map((p) => (isObject(p) ? (({ parsed: _x, ...q }) => q)(p) : p));
    return rest;
  });
}

let mock: MockUpstream;

beforeAll(async () => {
  mock = await startOpenAIMock();
});
afterAll(() => mock.stop());
beforeEach(() => {
  mock.requests.length = 0;
});

describe('Responses mock with the openai SDK', () => {
  const client = () => new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x', maxRetries: 0 });

  test('create: echo, model, default usage, recorded request', async () => {
    const res = await client().responses.create({ model: 'gpt-test', instructions: 'Be brief.', input: 'hello there' });
    expect(res.id).toStartWith('resp_');
    expect(res.object).toBe('response');
    expect(res.status).toBe('completed');
    expect(res.model).toBe('gpt-test');
    expect(res.output_text).toBe('echo: hello there');
    expect(res.instructions).toBe('Be brief.');
    expect(res.usage).toEqual({
      input_tokens: Math.ceil(20 / 4) + 3,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: Math.ceil(20 / 4) + 3 + 4,
    });
    expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1/responses', body: { model: 'gpt-test', input: 'hello there' } });
  });

  test('usage directives: usage, cached, reasoning; item-list input', async () => {
    const res = await client().responses.create({
      model: 'm',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi [[mock:usage=100,20]] [[mock:cached=50]] [[mock:reasoning=7]]' }] }],
    });
    expect(res.output_text).toBe('echo: hi');
    expect(res.usage).toMatchObject({
      input_tokens: 150,
      input_tokens_details: { cached_tokens: 50 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 7 },
      total_tokens: 170,
    });
  });

  test('stream: finalResponse, sequence numbers, event order', async () => {
    const stream = client().responses.stream({ model: 'm', input: 'one two three [[mock:usage=9,4]]' });
    const types: string[] = [];
    const seqs: number[] = [];
    for await (const e of stream) {
      types.push(e.type);
      seqs.push(e.sequence_number);
    }
    const res = await stream.finalResponse();
    expect(res.output_text).toBe('echo: one two three');
    expect(res.usage).toMatchObject({ input_tokens: 9, output_tokens: 4, total_tokens: 13 });
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array<string>(5).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
  });

  test('raw wire format: event lines match data.type, no [DONE]', async () => {
    const res = await fetch(`${mock.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'hi', stream: true }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-request-id')).toStartWith('req_');
    const frames = (await res.text()).split('\n\n').filter(Boolean);
    for (const f of frames) {
      const [event, data] = f.split('\n');
      expect(event?.slice('event: '.length)).toBe((JSON.parse(data!.slice('data: '.length)) as Json).type as string);
    }
    expect(frames.at(-1)).toStartWith('event: response.completed');
  });

  test('thinking directive: a reasoning item with a summary, streamed and not', async () => {
    const res = await client().responses.create({ model: 'm', input: 'hi [[mock:thinking=plan it]]' });
    expect(shapes(res.output)[0]).toEqual({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'plan it' }] });
    const streamed = await client().responses.stream({ model: 'm', input: 'hi [[mock:thinking=plan it]]' }).finalResponse();
    expect(shapes(streamed.output)).toEqual(shapes(res.output));
  });

  test('tool calls: function_call items, create and stream (parallel)', async () => {
    const res = await client().responses.create({ model: 'm', input: 'find cats [[mock:parallel=2]]', tools });
    expect(res.output_text).toBe('');
    expect(shapes(res.output)).toEqual([
      { type: 'function_call', status: 'completed', arguments: '{"query":"find cats"}', name: 'search' },
      { type: 'function_call', status: 'completed', arguments: '{"query":"find cats"}', name: 'lookup' },
    ]);
    const call = res.output[0];
    expect(call?.type === 'function_call' && call.call_id).toStartWith('call_');

    const streamed = await client().responses.stream({ model: 'm', input: 'find cats [[mock:parallel=2]]', tools }).finalResponse();
    expect(shapes(streamed.output)).toEqual(shapes(res.output));

    const forced = await client().responses.create({ model: 'm', input: 'x', tools, tool_choice: { type: 'function', name: 'lookup' } });
    expect(shapes(forced.output)).toMatchObject([{ name: 'lookup' }]);
    const none = await client().responses.create({ model: 'm', input: 'x', tools, tool_choice: 'none' });
    expect(none.output_text).toBe('echo: x');
  });

  test('tool result turn', async () => {
    const res = await client().responses.create({
      model: 'm',
      tools,
      input: [
        { role: 'user', content: 'find cats' },
        { type: 'function_call', call_id: 'call_1', name: 'search', arguments: '{"query":"find cats"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '3 cats [[mock:usage=5,5]]' },
      ],
    });
    expect(res.output_text).toBe('tool result: 3 cats');
    expect(res.usage?.input_tokens).toBe(5);
  });

  test('errors map to SDK classes', async () => {
    const ask = (text: string) => client().responses.create({ model: 'm', input: text });
    const rate = await ask('x [[mock:status=429]] [[mock:retry_after=3]]').catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(OpenAI.RateLimitError);
    if (!(rate instanceof OpenAI.RateLimitError)) throw rate;
    expect(rate.headers.get('retry-after')).toBe('3');
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.message).toContain('api.mock-openai.test');
    expect(await ask('[[mock:status=500]]').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await ask('[[mock:status=400]]').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.BadRequestError);
    expect(await ask('[[mock:status=404]]').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test('auth, bad JSON and missing fields', async () => {
    const post = (body: string, headers: Record<string, string> = { authorization: 'Bearer k' }) =>
      fetch(`${mock.url}/v1/responses`, { method: 'POST', headers, body });
    expect((await post('{}', {})).status).toBe(401);
    expect((await post('{nope')).status).toBe(400);
    expect((await post(JSON.stringify({ input: 'x' }))).status).toBe(400);
    const noInput = await post(JSON.stringify({ model: 'm' }));
    expect(noInput.status).toBe(400);
    expect(await noInput.json()).toMatchObject({ error: { param: 'input', code: 'missing_required_parameter' } });
  });

  test('midstream error: error event then response.failed; the stream helper rejects', async () => {
    const raw = await client().responses.create({ model: 'm', input: 'hi [[mock:midstream_error=4]]', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of raw) events.push(e);
    expect(events.map((e) => e.type).slice(-3)).toEqual(['response.content_part.added', 'error', 'response.failed']);
    expect(events.map((e) => e.sequence_number)).toEqual([0, 1, 2, 3, 4, 5]);
    const err = await client().responses.stream({ model: 'm', input: 'hi [[mock:midstream_error=4]]' }).finalResponse().catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'error', code: 'server_error' });
  });

  test('cut drops the connection', async () => {
    const stream = client().responses.stream({ model: 'm', input: 'hi [[mock:cut=3]]' });
    let received = 0;
    stream.on('event', () => received++);
    await expect(stream.finalResponse()).rejects.toThrow();
    expect(received).toBe(3);
  });

  test('delay and gap', async () => {
    const t0 = performance.now();
    await client().responses.create({ model: 'm', input: '[[mock:delay=150]]' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    const t1 = performance.now();
    await client().responses.stream({ model: 'm', input: 'a b c d e f [[mock:gap=20]]' }).finalResponse();
    expect(performance.now() - t1).toBeGreaterThanOrEqual(10 * 20 - 10);
  });
});

describe('responses-over-chat against the chat mock matches the Responses mock', () => {
  const ctx: TranslateContext = { publicModel: 'm', upstreamModel: 'gpt-4o-mini', maxOutput: 16384, flags: { reasoning: true, vision: true } };
  let relay: ReturnType<typeof Bun.serve>;

  /** What the gateway does for a non-OpenAI model, minus routing and billing. */
  async function translate(req: Request): Promise<Response> {
    const body = (await req.json()) as Json;
    let chat: Json;
    try {
      chat = responsesToChatRequest(body, ctx);
    } catch (e) {
      if (!(e instanceof TranslationError)) throw e;
      return Response.json({ error: { message: e.message, type: 'invalid_request_error', param: e.param, code: null } }, { status: 400 });
    }
    const up = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify(chat),
    });
    if (!up.ok) return new Response(up.body, { status: up.status, headers: up.headers });
    if (body.stream !== true) return Response.json(chatToResponsesResponse((await up.json()) as Json, ctx, body));
    const t = new ChatToResponsesStream(ctx, body);
    const out: WireEvent[] = [];
    const parser = createParser({
      onEvent(ev) {
        out.push(...t.push({ event: ev.event ?? '', data: ev.data === '[DONE]' ? '[DONE]' : (JSON.parse(ev.data) as unknown) }));
      },
    });
    parser.feed(await up.text());
    out.push(...(t.state === 'complete' ? t.finish() : t.fail(t.upstreamError ?? { type: 'api_error', message: 'ended early' })));
    return new Response(encodeResponsesSse(out), { headers: { 'content-type': 'text/event-stream' } });
  }

  beforeAll(() => {
    relay = Bun.serve({ port: 0, fetch: translate });
  });
  afterAll(() => relay.stop(true));

  const direct = () => new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const translated = () => new OpenAI({ baseURL: `${relay.url.origin}/v1`, apiKey: 'x', maxRetries: 0 });

  const requests: { name: string; params: Omit<OpenAI.Responses.ResponseCreateParams, 'stream'> }[] = [
    { name: 'text with usage directives', params: { model: 'm', instructions: 'Be brief.', input: 'hello [[mock:usage=40,6]] [[mock:cached=30]] [[mock:reasoning=2]]' } },
    { name: 'parallel tool calls', params: { model: 'm', input: 'find cats [[mock:parallel=2]] [[mock:usage=10,10]]', tools } },
    {
      name: 'tool result turn',
      params: {
        model: 'm',
        tools,
        input: [
          { role: 'user', content: 'find cats' },
          { type: 'function_call', call_id: 'call_1', name: 'search', arguments: '{}' },
          { type: 'function_call_output', call_id: 'call_1', output: '3 cats [[mock:usage=5,5]]' },
        ],
      },
    },
  ];

  for (const { name, params } of requests) {
    test(`${name}: create`, async () => {
      const a = await direct().responses.create({ ...params, stream: false });
      const b = await translated().responses.create({ ...params, stream: false });
      expect(shapes(b.output)).toEqual(shapes(a.output));
      expect(b.output_text).toBe(a.output_text);
      expect(b.usage).toEqual(a.usage);
    });

    test(`${name}: stream`, async () => {
      const a = await direct().responses.stream(params).finalResponse();
      const b = await translated().responses.stream(params).finalResponse();
      expect(shapes(b.output)).toEqual(shapes(a.output));
      expect(b.output_text).toBe(a.output_text);
      expect(b.usage).toEqual(a.usage);
    });
  }

  test('status errors pass through with the same SDK class', async () => {
    const params = { model: 'm', input: 'x [[mock:status=429]]' };
    expect(await translated().responses.create(params).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.RateLimitError);
    expect(await direct().responses.create(params).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.RateLimitError);
  });
});
