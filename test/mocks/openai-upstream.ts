/**
 * Mock OpenAI Chat Completions upstream. Clients use `${mock.url}/v1` as base URL.
 * Behaviour is steered by `[[mock:...]]` directives, see scenario.ts.
 */
import {
  applyStreamPlan,
  asArray,
  asString,
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

const HOST = 'api.mock-openai.test';
const FINGERPRINT = 'fp_mock0001';
const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'o4-mini'];

export async function startOpenAIMock(opts: MockOptions = {}): Promise<MockUpstream> {
  const models = opts.models ?? DEFAULT_MODELS;
  return startRecordingServer(opts.port, async (incoming) => {
    const requestId = randomId('req_', 32);
    const route = `${incoming.method} ${incoming.path}`;
    if (route === 'POST /v1/responses') return (await import('./openai-responses.ts')).handleResponses(incoming, requestId);
    if (route !== 'POST /v1/chat/completions' && route !== 'GET /v1/models') {
      return openaiError(404, requestId, { message: `Invalid URL (${route})`, code: null });
    }
    if (!/^Bearer \S+/i.test(incoming.headers.authorization ?? '')) {
      return openaiError(401, requestId, {
        message: `You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).`,
        code: null,
      });
    }
    if (route === 'GET /v1/models') {
      return jsonResponse(
        {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'mock' })),
        },
        200,
        { 'x-request-id': requestId },
      );
    }
    return chatCompletions(incoming, requestId);
  });
}

async function chatCompletions(incoming: IncomingRequest, requestId: string): Promise<Response> {
  const body = incoming.json;
  if (!isObject(body)) {
    return openaiError(400, requestId, {
      message: 'We could not parse the JSON body of your request.',
      code: null,
    });
  }
  const model = asString(body.model);
  if (model === undefined) {
    return openaiError(400, requestId, { message: "Missing required parameter: 'model'.", param: 'model', code: 'missing_required_parameter' });
  }
  if (!Array.isArray(body.messages)) {
    return openaiError(400, requestId, { message: "Missing required parameter: 'messages'.", param: 'messages', code: 'missing_required_parameter' });
  }

  const scenario = planScenario(conversationOf(body), { thinking: false });
  await sleep(scenario.delayMs);
  if (scenario.error) {
    const { status, retryAfter } = scenario.error;
    return openaiError(status, requestId, errorFor(status, model), retryAfter);
  }

  const headers = { 'x-request-id': requestId, 'openai-processing-ms': '12' };
  const id = randomId('chatcmpl-', 29);
  const created = Math.floor(Date.now() / 1000);
  const reply = withIds(scenario.reply);
  if (body.stream !== true) {
    return jsonResponse(completion(id, created, model, reply), 200, headers);
  }
  const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
  const frames = chunks(id, created, model, reply, includeUsage).map((c) => `data: ${JSON.stringify(c)}\n\n`);
  frames.push('data: [DONE]\n\n');
  const errorFrame = `data: ${JSON.stringify(errorBody(500, errorFor(500, model)))}\n\n`;
  return sseResponse(applyStreamPlan(frames, scenario.stream, errorFrame), scenario.stream, headers);
}

// ---------------------------------------------------------------------------------------------
// Request → neutral conversation
// ---------------------------------------------------------------------------------------------

function conversationOf(body: JsonObject): Conversation {
  const messages = asArray(body.messages).filter(isObject);
  const texts = messages.flatMap((m) => textParts(m.content));

  let lastUserText = '';
  for (const m of messages) if (m.role === 'user') lastUserText = textParts(m.content).join('\n');

  let tail = messages.length;
  while (tail > 0 && isToolResult(messages[tail - 1])) tail--;
  const trailing = messages.slice(tail);
  const toolResults = trailing.length > 0 ? trailing.map((m) => textParts(m.content).join('\n')) : null;

  const tools = asArray(body.tools).flatMap((t) => {
    const name = isObject(t) && isObject(t.function) ? asString(t.function.name) : undefined;
    return name === undefined ? [] : [name];
  });

  let toolChoice: ToolChoice = { kind: 'auto' };
  const tc = body.tool_choice;
  if (tc === 'none') toolChoice = { kind: 'none' };
  else if (isObject(tc) && isObject(tc.function) && typeof tc.function.name === 'string') {
    toolChoice = { kind: 'tool', name: tc.function.name };
  }
  return { texts, lastUserText, toolResults, tools, toolChoice };
}

function isToolResult(m: JsonObject | undefined): boolean {
  return m?.role === 'tool' || m?.role === 'function';
}

// ---------------------------------------------------------------------------------------------
// Neutral reply → wire format
// ---------------------------------------------------------------------------------------------

interface IdentifiedReply extends Reply {
  callIds: string[];
}

function withIds(reply: Reply): IdentifiedReply {
  return { ...reply, callIds: reply.toolCalls.map(() => randomId('call_', 24)) };
}

function finishReason(reply: Reply): string {
  return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function usageOf(u: Usage): JsonObject {
  const prompt = u.input + u.cacheRead;
  return {
    prompt_tokens: prompt,
    completion_tokens: u.output,
    total_tokens: prompt + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function completion(id: string, created: number, model: string, reply: IdentifiedReply): JsonObject {
  const message: JsonObject = { role: 'assistant', content: reply.text, refusal: null };
  if (reply.toolCalls.length > 0) {
    message.tool_calls = reply.toolCalls.map((c, i) => ({
      id: reply.callIds[i],
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  message.annotations = [];
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage: usageOf(reply.usage),
  };
}

function chunks(id: string, created: number, model: string, reply: IdentifiedReply, includeUsage: boolean): JsonObject[] {
  const chunk = (choices: unknown[], usage: JsonObject | null): JsonObject => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
    choices,
    ...(includeUsage ? { usage } : {}),
  });
  const delta = (d: JsonObject, finish: string | null = null): JsonObject =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }], null);

  const out = [delta({ role: 'assistant', content: '', refusal: null })];
  if (reply.text !== null) for (const piece of splitEven(reply.text, 5)) out.push(delta({ content: piece }));
  reply.toolCalls.forEach((call, index) => {
    out.push(delta({ tool_calls: [{ index, id: reply.callIds[index], type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const fragment of splitEven(call.arguments, 3)) {
      out.push(delta({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  });
  out.push(delta({}, finishReason(reply)));
  if (includeUsage) out.push(chunk([], usageOf(reply.usage)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

interface OpenAIErrorFields {
  message: string;
  type?: string;
  param?: string | null;
  code: string | null;
}

function errorFor(status: number, model: string): OpenAIErrorFields {
  const where = `(simulated by ${HOST})`;
  if (status === 401) return { message: `Incorrect API key provided ${where}.`, code: 'invalid_api_key' };
  if (status === 404) return { message: `The model \`${model}\` does not exist or you do not have access to it ${where}.`, code: 'model_not_found' };
  if (status === 429) return { message: `Rate limit reached for requests ${where}.`, type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { message: `The server had an error while processing your request ${where}.`, code: null };
  return { message: `Invalid request ${where}.`, code: null };
}

function errorBody(status: number, f: OpenAIErrorFields): JsonObject {
  const type = f.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return { error: { message: `OpenAI mock: ${f.message}`, type, param: f.param ?? null, code: f.code } };
}

function openaiError(status: number, requestId: string, fields: OpenAIErrorFields, retryAfter: string | null = null): Response {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  return jsonResponse(errorBody(status, fields), status, headers);
}
