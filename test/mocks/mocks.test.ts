/**
 * The official SDKs pointed directly at the mocks must accept everything they send.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { startAnthropicMock } from './anthropic-upstream.ts';
import { startOpenAIMock } from './openai-upstream.ts';
import { parseDirectives, planScenario, splitEven, stripDirectives } from './scenario.ts';
import type { MockUpstream } from './types.ts';

/** Minimal shapes for inspecting raw wire output. */
type RawChunk = OpenAI.ChatCompletionChunk;
type RawEvent = Anthropic.RawMessageStreamEvent | { type: 'ping' };

/** Read a raw SSE body into its frames. */
async function frames(res: Response): Promise<string[]> {
  return (await res.text()).split('\n\n').filter(Boolean);
}

describe('scenario', () => {
  test('parses and strips directives', () => {
    const text = 'hi [[mock:usage=10,5]] there[[mock:cached=3]]\n[[mock:thinking=a b]] [[mock:bogus=1]]';
    expect(parseDirectives(text)).toEqual({ usage: { input: 10, output: 5 }, cached: 3, thinking: 'a b' });
    expect(stripDirectives(text)).toBe('hi there');
  });

  test('default usage and echo', () => {
    const s = planScenario(
      { texts: ['abcdefgh', 'hello world'], lastUserText: 'hello world', toolResults: null, tools: [], toolChoice: { kind: 'auto' } },
      { thinking: false },
    );
    expect(s.reply.text).toBe('echo: hello world');
    expect(s.reply.usage).toEqual({ input: Math.ceil(19 / 4) + 3, output: 4, cacheRead: 0, cacheWrite: 0, reasoning: 0 });
    expect(s.error).toBeNull();
  });

  test('splitEven keeps all characters', () => {
    expect(splitEven('echo: hello', 5).join('')).toBe('echo: hello');
    expect(splitEven('echo: hello', 5)).toHaveLength(5);
    expect(splitEven('ab', 5)).toEqual(['a', 'b']);
  });
});

describe('OpenAI mock', () => {
  let mock: MockUpstream;
  let client: OpenAI;
  const noRetry = () => new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x', maxRetries: 0 });
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { query: { type: 'string' } } } } },
    { type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } },
  ];

  beforeAll(async () => {
    mock = await startOpenAIMock();
    client = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: 'x' });
  });
  afterAll(() => mock.stop());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  test('create: echo, model echo, default usage, recorded request', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'hello there' }] },
      ],
    });
    expect(res.id).toStartWith('chatcmpl-');
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-test');
    expect(res.choices[0]?.message.content).toBe('echo: hello there');
    expect(res.choices[0]?.finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({ prompt_tokens: Math.ceil(20 / 4) + 3, completion_tokens: 4, total_tokens: 12 });

    const rec = mock.requests[0];
    expect(rec?.method).toBe('POST');
    expect(rec?.path).toBe('/v1/chat/completions');
    expect(rec?.headers.authorization).toBe('Bearer x');
    expect(rec?.body).toMatchObject({ model: 'gpt-test' });
  });

  test('usage directives: cached and reasoning', async () => {
    const res = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'q [[mock:usage=100,20]] [[mock:cached=30]] [[mock:reasoning=7]]' }],
    });
    expect(res.choices[0]?.message.content).toBe('echo: q');
    expect(res.usage).toEqual({
      prompt_tokens: 130,
      completion_tokens: 20,
      total_tokens: 150,
      prompt_tokens_details: { cached_tokens: 30, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 7, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
  });

  test('stream helper: finalChatCompletion with usage', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-s',
      messages: [{ role: 'user', content: 'stream me please [[mock:usage=11,22]]' }],
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on('content', (d) => deltas.push(d));
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('echo: stream me please');
    expect(final.choices[0]?.finish_reason).toBe('stop');
    expect(final.model).toBe('gpt-s');
    expect(final.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 22, total_tokens: 33 });
    expect(deltas.length).toBe(5);
  });

  test('raw stream wire format with and without include_usage', async () => {
    const raw = async (includeUsage: boolean) => {
      const res = await fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          stream: true,
          messages: [{ role: 'user', content: 'abc def' }],
          ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
        }),
      });
      expect(res.headers.get('content-type')).toStartWith('text/event-stream');
      return frames(res);
    };
    const withUsage = await raw(true);
    expect(withUsage.at(-1)).toBe('data: [DONE]');
    const parse = (f: string): RawChunk => JSON.parse(f.slice('data: '.length)) as RawChunk;
    const chunks = withUsage.slice(0, -1).map(parse);
    expect(withUsage[0]).toStartWith('data: {"id":"chatcmpl-');
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    for (const c of chunks.slice(0, -1)) expect(c.usage).toBeNull();
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');

    const without = await raw(false);
    const chunks2 = without.slice(0, -1).map(parse);
    for (const c of chunks2) expect('usage' in c).toBe(false);
    expect(chunks2.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  test('tool calls: create and stream (parallel)', async () => {
    const res = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'weather oslo' }],
      tools,
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.id).toStartWith('call_');
    expect(call?.type === 'function' && call.function.name).toBe('search');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ query: 'weather oslo' });

    const stream = client.chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'two [[mock:parallel=2]]' }],
      tools,
    });
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0]?.message.tool_calls ?? [];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => (c.type === 'function' ? c.function.name : ''))).toEqual(['search', 'lookup']);
    for (const c of calls) {
      expect(c.id).toStartWith('call_');
      expect(c.type === 'function' && JSON.parse(c.function.arguments)).toEqual({ query: 'two' });
    }
  });

  test('tool result turn', async () => {
    const res = await client.chat.completions.create({
      model: 'm',
      tools,
      messages: [
        { role: 'user', content: 'weather' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '4 C' },
      ],
    });
    expect(res.choices[0]?.message.content).toBe('tool result: 4 C');
    expect(res.choices[0]?.finish_reason).toBe('stop');
  });

  test('errors map to SDK classes', async () => {
    const c = noRetry();
    const ask = (text: string) => c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: text }] });

    const rate = await ask('x [[mock:status=429]] [[mock:retry_after=3]]').catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(OpenAI.RateLimitError);
    if (!(rate instanceof OpenAI.RateLimitError)) throw rate;
    expect(rate.headers.get('retry-after')).toBe('3');
    expect(rate.code).toBe('rate_limit_exceeded');
    expect(rate.message).toContain('OpenAI mock');
    expect(rate.message).toContain('api.mock-openai.test');

    expect(await ask('[[mock:status=500]]').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await ask('[[mock:status=400]]').catch((e: unknown) => e)).toBeInstanceOf(OpenAI.BadRequestError);
    const notFound = await ask('[[mock:status=404]]').catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect(notFound instanceof OpenAI.NotFoundError && notFound.code).toBe('model_not_found');
    const auth = await ask('[[mock:status=401]]').catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test('auth, bad JSON and missing fields', async () => {
    const post = (body: string, headers: Record<string, string> = { authorization: 'Bearer k' }) =>
      fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', headers, body });
    const noAuth = await post('{}', {});
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: { type: 'invalid_request_error' } });

    const bad = await post('{nope');
    expect(bad.status).toBe(400);
    expect(mock.requests.at(-1)?.body).toBe('{nope');
    expect((await post(JSON.stringify({ messages: [] }))).status).toBe(400);
    expect((await post(JSON.stringify({ model: 'm' }))).status).toBe(400);
  });

  test('midstream error raises APIError', async () => {
    const stream = noRetry().chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'hi [[mock:midstream_error=2]]' }],
    });
    const err = await stream.finalChatCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err)).toContain('OpenAI mock');
  });

  test('cut drops the connection', async () => {
    const stream = noRetry().chat.completions.stream({
      model: 'm',
      messages: [{ role: 'user', content: 'hi [[mock:cut=3]]' }],
    });
    let received = 0;
    stream.on('chunk', () => received++);
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(received).toBe(3);
  });

  test('delay and gap', async () => {
    const t0 = performance.now();
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: '[[mock:delay=150]]' }] });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

    const t1 = performance.now();
    await client.chat.completions.stream({ model: 'm', messages: [{ role: 'user', content: 'a b c d e f [[mock:gap=30]]' }] }).finalChatCompletion();
    expect(performance.now() - t1).toBeGreaterThanOrEqual(6 * 30 - 10);
  });

  test('models list', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('gpt-4o-mini');
  });
});

describe('Anthropic mock', () => {
  let mock: MockUpstream;
  let client: Anthropic;
  const noRetry = () => new Anthropic({ baseURL: mock.url, apiKey: 'x', maxRetries: 0 });
  const tools: Anthropic.Tool[] = [
    { name: 'search', input_schema: { type: 'object', properties: { query: { type: 'string' } } } },
    { name: 'lookup', input_schema: { type: 'object', properties: {} } },
  ];

  beforeAll(async () => {
    mock = await startAnthropicMock();
    client = new Anthropic({ baseURL: mock.url, apiKey: 'x' });
  });
  afterAll(() => mock.stop());
  beforeEach(() => {
    mock.requests.length = 0;
  });

  test('create: echo, model echo, default usage, recorded request', async () => {
    const res = await client.messages.create({
      model: 'claude-test',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
    });
    expect(res.id).toStartWith('msg_');
    expect(res.model).toBe('claude-test');
    expect(res.content).toEqual([{ type: 'text', text: 'echo: hello there', citations: null }]);
    expect(res.stop_reason).toBe('end_turn');
    expect(res.usage).toMatchObject({ input_tokens: 8, output_tokens: 4, cache_read_input_tokens: 0 });
    expect(res._request_id).toStartWith('req_');

    const rec = mock.requests[0];
    expect(rec?.path).toBe('/v1/messages');
    // SDK 1.x sends the API key as a bearer token (older SDKs used x-api-key); both are accepted.
    expect(rec?.headers['x-api-key'] ?? rec?.headers.authorization).toMatch(/^(Bearer )?x$/);
    expect(rec?.headers['anthropic-version']).toBeString();
  });

  test('stream: finalMessage with cache usage, ping and indices', async () => {
    const stream = client.messages.stream({
      model: 'claude-s',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream it [[mock:usage=50,9]] [[mock:cached=40]] [[mock:cachewrite=5]]' }],
    });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'echo: stream it' }]);
    expect(final.content).toHaveLength(1);
    expect(final.model).toBe('claude-s');
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({
      input_tokens: 50,
      output_tokens: 9,
      cache_read_input_tokens: 40,
      cache_creation_input_tokens: 5,
    });
    expect(texts.length).toBe(5);
  });

  test('raw stream wire format', async () => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toStartWith('text/event-stream');
    expect(res.headers.get('request-id')).toStartWith('req_');
    const events = (await frames(res)).map((f) => {
      const [ev, data] = f.split('\n');
      const parsed = JSON.parse((data ?? '').slice('data: '.length)) as RawEvent;
      expect(ev).toBe(`event: ${parsed.type}`);
      return parsed;
    });
    expect(events.map((e) => e.type)).toEqual([
      'message_start', 'content_block_start', 'ping',
      'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const [start] = events;
    const delta = events.at(-2);
    expect(start?.type === 'message_start' && start.message.usage.output_tokens).toBe(1);
    expect(delta?.type === 'message_delta' && delta.usage.output_tokens).toBeGreaterThan(1);
  });

  test('thinking block', async () => {
    const ask = (stream: boolean) =>
      stream
        ? client.messages.stream({ model: 'm', max_tokens: 2000, messages: [{ role: 'user', content: 'q [[mock:thinking=let me think]]' }] }).finalMessage()
        : client.messages.create({ model: 'm', max_tokens: 2000, messages: [{ role: 'user', content: 'q [[mock:thinking=let me think]]' }] });
    for (const msg of [await ask(false), await ask(true)]) {
      const [thinking, text] = msg.content;
      expect(thinking?.type === 'thinking' && thinking.thinking).toBe('let me think');
      expect(thinking?.type === 'thinking' && thinking.signature).toStartWith('sig_');
      expect(text?.type === 'text' && text.text).toBe('echo: q');
    }
  });

  test('tool use: create and stream (parallel)', async () => {
    const res = await client.messages.create({ model: 'm', max_tokens: 100, tools, messages: [{ role: 'user', content: 'weather oslo' }] });
    expect(res.stop_reason).toBe('tool_use');
    const block = res.content[0];
    expect(block?.type).toBe('tool_use');
    if (block?.type !== 'tool_use') throw new Error('expected tool_use');
    expect(block.id).toStartWith('toolu_');
    expect(block.name).toBe('search');
    expect(block.input).toEqual({ query: 'weather oslo' });

    const final = await client.messages
      .stream({ model: 'm', max_tokens: 100, tools, messages: [{ role: 'user', content: 'two [[mock:parallel=2]]' }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((b) => (b.type === 'tool_use' ? [b.name, b.input] : null))).toEqual([
      ['search', { query: 'two' }],
      ['lookup', { query: 'two' }],
    ]);
  });

  test('tool result turn', async () => {
    const res = await client.messages.create({
      model: 'm',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'weather' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'search', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '4 C' }] }] },
      ],
    });
    expect(res.content).toEqual([{ type: 'text', text: 'tool result: 4 C', citations: null }]);
    expect(res.stop_reason).toBe('end_turn');
  });

  test('count_tokens', async () => {
    const res = await client.messages.countTokens({ model: 'm', system: 'abcd', messages: [{ role: 'user', content: 'abcdefgh' }] });
    expect(res.input_tokens).toBe(3 + 3);
    expect(mock.requests[0]?.path).toBe('/v1/messages/count_tokens');
  });

  test('errors map to SDK classes', async () => {
    const c = noRetry();
    const ask = (text: string) => c.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: text }] });

    const rate = await ask('[[mock:status=429]][[mock:retry_after=2]]').catch((e: unknown) => e);
    expect(rate).toBeInstanceOf(Anthropic.RateLimitError);
    if (!(rate instanceof Anthropic.RateLimitError)) throw rate;
    expect(rate.headers?.get('retry-after')).toBe('2');
    expect(rate.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect(rate.message).toContain('Anthropic mock');
    expect(rate.message).toContain('api.mock-anthropic.test');
    expect(rate.requestID).toStartWith('req_');

    const overloaded = await ask('[[mock:status=529]]').catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded instanceof Anthropic.APIError && overloaded.error).toMatchObject({ error: { type: 'overloaded_error' } });
    expect(await ask('[[mock:status=500]]').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.InternalServerError);
    expect(await ask('[[mock:status=401]]').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(await ask('[[mock:status=404]]').catch((e: unknown) => e)).toBeInstanceOf(Anthropic.NotFoundError);
  });

  test('auth, bad JSON and missing fields', async () => {
    const post = (body: string, headers: Record<string, string> = { 'x-api-key': 'k' }) =>
      fetch(`${mock.url}/v1/messages`, { method: 'POST', headers, body });
    const noAuth = await post('{}', {});
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await post('{}', { authorization: 'Bearer t' })).status).toBe(400);
    expect((await post('nope')).status).toBe(400);
    const noMax = await post(JSON.stringify({ model: 'm', messages: [] }));
    expect(noMax.status).toBe(400);
    expect(await noMax.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
  });

  test('midstream error raises APIError with overloaded_error', async () => {
    const err = await noRetry()
      .messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi [[mock:midstream_error=3]]' }] })
      .finalMessage()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err instanceof Anthropic.APIError && err.error).toMatchObject({ error: { type: 'overloaded_error' } });
  });

  test('cut drops the connection', async () => {
    const stream = noRetry().messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi [[mock:cut=4]]' }] });
    let events = 0;
    stream.on('streamEvent', () => events++);
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(events).toBe(3); // message_start, content_block_start, (ping is skipped by the SDK), one delta
  });
});
