/**
 * Mock Anthropic Messages upstream. Clients use `mock.url` (no `/v1`) as base URL.
 * Behaviour is steered by `[[mock:...]]` directives, see scenario.ts.
 */
import {
  applyStreamPlan,
  asArray,
  asString,
  fnv1a,
  isObject,
  jsonResponse,
  planScenario,
  randomId,
  sleep,
  splitEven,
  sseResponse,
  startRecordingServer,
  textParts,
  type Conversation,
  type IncomingRequest,
  type JsonObject,
  type Reply,
  type ToolChoice,
  type Usage,
} from './scenario.ts';
import type { MockOptions, MockUpstream } from './types.ts';

const HOST = 'api.mock-anthropic.test';
const DEFAULT_MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'];

export async function startAnthropicMock(opts: MockOptions = {}): Promise<MockUpstream> {
  const models = opts.models ?? DEFAULT_MODELS;
  return startRecordingServer(opts.port, async (incoming) => {
    const requestId = randomId('req_011', 21);
    const route = `${incoming.method} ${incoming.path}`;
    const known = ['POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/models'];
    if (!known.includes(route)) return anthropicError(404, requestId, `Not found: ${route}`);
    if (!incoming.headers['x-api-key'] && !incoming.headers.authorization) {
      return anthropicError(401, requestId, 'x-api-key header is required');
    }
    if (route === 'GET /v1/models') {
      const data = models.map((id) => ({
        type: 'model',
        id,
        display_name: id,
        created_at: '2025-01-01T00:00:00Z',
      }));
      return jsonResponse(
        { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null },
        200,
        { 'request-id': requestId },
      );
    }
    return messages(incoming, requestId, route === 'POST /v1/messages/count_tokens');
  });
}

async function messages(incoming: IncomingRequest, requestId: string, countOnly: boolean): Promise<Response> {
  const body = incoming.json;
  if (!isObject(body)) return anthropicError(400, requestId, 'There was an issue with the JSON body of your request');
  const model = asString(body.model);
  if (model === undefined) return anthropicError(400, requestId, 'model: Field required');
  if (!Array.isArray(body.messages)) return anthropicError(400, requestId, 'messages: Field required');
  if (!countOnly && typeof body.max_tokens !== 'number') {
    return anthropicError(400, requestId, 'max_tokens: Field required');
  }

  const scenario = planScenario(conversationOf(body), { thinking: true });
  await sleep(scenario.delayMs);
  if (scenario.error) {
    const { status, retryAfter } = scenario.error;
    return anthropicError(status, requestId, errorMessage(status, model), retryAfter);
  }
  const headers = { 'request-id': requestId };
  if (countOnly) return jsonResponse({ input_tokens: scenario.reply.usage.input }, 200, headers);

  const id = randomId('msg_01', 22);
  const blocks = contentBlocks(scenario.reply);
  if (body.stream !== true) return jsonResponse(message(id, model, scenario.reply, blocks), 200, headers);

  const frames = streamEvents(id, model, scenario.reply, blocks).map(sse);
  const errorFrame = sse({
    type: 'error',
    error: { type: 'overloaded_error', message: `Anthropic mock: Overloaded (simulated by ${HOST})` },
    request_id: requestId,
  });
  return sseResponse(applyStreamPlan(frames, scenario.stream, errorFrame), scenario.stream, headers);
}

// ---------------------------------------------------------------------------------------------
// Request → neutral conversation
// ---------------------------------------------------------------------------------------------

function blocksOf(content: unknown): JsonObject[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : asArray(content).filter(isObject);
}

function conversationOf(body: JsonObject): Conversation {
  const msgs = asArray(body.messages).filter(isObject);
  const texts = [
    ...textParts(body.system),
    ...msgs.flatMap((m) =>
      blocksOf(m.content).flatMap((b) => (b.type === 'tool_result' ? textParts(b.content) : textParts([b]))),
    ),
  ];

  let lastUserText = '';
  for (const m of msgs) {
    const userText = m.role === 'user' ? textParts(blocksOf(m.content)) : [];
    if (userText.length > 0) lastUserText = userText.join('\n');
  }

  const last = msgs.at(-1);
  const lastBlocks = last?.role === 'user' ? blocksOf(last.content) : [];
  const toolResults =
    lastBlocks[0]?.type === 'tool_result'
      ? lastBlocks.filter((b) => b.type === 'tool_result').map((b) => textParts(b.content).join('\n'))
      : null;

  const tools = asArray(body.tools).flatMap((t) => {
    const name = isObject(t) ? asString(t.name) : undefined;
    return name === undefined ? [] : [name];
  });

  let toolChoice: ToolChoice = { kind: 'auto' };
  const tc = body.tool_choice;
  if (isObject(tc) && tc.type === 'none') toolChoice = { kind: 'none' };
  else if (isObject(tc) && tc.type === 'tool' && typeof tc.name === 'string') toolChoice = { kind: 'tool', name: tc.name };
  return { texts, lastUserText, toolResults, tools, toolChoice };
}

// ---------------------------------------------------------------------------------------------
// Neutral reply → wire format
// ---------------------------------------------------------------------------------------------

type Block =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown; json: string };

function contentBlocks(reply: Reply): Block[] {
  const blocks: Block[] = [];
  if (reply.thinking !== null) {
    blocks.push({ type: 'thinking', thinking: reply.thinking, signature: `sig_${fnv1a(reply.thinking)}` });
  }
  if (reply.text !== null) blocks.push({ type: 'text', text: reply.text });
  for (const call of reply.toolCalls) {
    const input: unknown = JSON.parse(call.arguments);
    blocks.push({ type: 'tool_use', id: randomId('toolu_01', 22), name: call.name, input, json: call.arguments });
  }
  return blocks;
}

function stopReason(reply: Reply): string {
  return reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
}

function usageOf(u: Usage, output: number): JsonObject {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    service_tier: 'standard',
  };
}

function message(id: string, model: string, reply: Reply, blocks: Block[]): JsonObject {
  const content = blocks.map((b) => {
    if (b.type === 'text') return { type: 'text', text: b.text, citations: null };
    if (b.type === 'tool_use') return { type: 'tool_use', id: b.id, name: b.name, input: b.input };
    return b;
  });
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: usageOf(reply.usage, reply.usage.output),
  };
}

function sse(data: JsonObject): string {
  return `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
}

function streamEvents(id: string, model: string, reply: Reply, blocks: Block[]): JsonObject[] {
  const u = reply.usage;
  const events: JsonObject[] = [
    {
      type: 'message_start',
      message: {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageOf(u, 1),
      },
    },
  ];
  blocks.forEach((block, index) => {
    const start = (contentBlock: JsonObject): void => {
      events.push({ type: 'content_block_start', index, content_block: contentBlock });
      if (index === 0) events.push({ type: 'ping' });
    };
    const delta = (d: JsonObject): void => {
      events.push({ type: 'content_block_delta', index, delta: d });
    };
    if (block.type === 'thinking') {
      start({ type: 'thinking', thinking: '' });
      for (const t of splitEven(block.thinking, 3)) delta({ type: 'thinking_delta', thinking: t });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'text') {
      start({ type: 'text', text: '' });
      for (const t of splitEven(block.text, 5)) delta({ type: 'text_delta', text: t });
    } else {
      start({ type: 'tool_use', id: block.id, name: block.name, input: {} });
      for (const j of splitEven(block.json, 3)) delta({ type: 'input_json_delta', partial_json: j });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({
    type: 'message_delta',
    delta: { stop_reason: stopReason(reply), stop_sequence: null },
    usage: {
      input_tokens: u.input,
      cache_creation_input_tokens: u.cacheWrite,
      cache_read_input_tokens: u.cacheRead,
      output_tokens: u.output,
    },
  });
  events.push({ type: 'message_stop' });
  return events;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

function errorMessage(status: number, model: string): string {
  const what: Record<number, string> = {
    401: 'invalid x-api-key',
    404: `model: ${model}`,
    429: 'Number of request tokens has exceeded your per-minute rate limit',
    529: 'Overloaded',
  };
  return `${what[status] ?? (status >= 500 ? 'Internal server error' : 'Invalid request')} (simulated by ${HOST})`;
}

function anthropicError(status: number, requestId: string, message: string, retryAfter: string | null = null): Response {
  const headers: Record<string, string> = { 'request-id': requestId };
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  return jsonResponse(
    {
      type: 'error',
      error: { type: errorType(status), message: `Anthropic mock: ${message}` },
      request_id: requestId,
    },
    status,
    headers,
  );
}
