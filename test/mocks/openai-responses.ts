/**
 * Mock OpenAI Responses API (`POST /v1/responses`), served by the OpenAI mock
 * (openai-upstream.ts routes to `handleResponses`). Same `[[mock:...]]` directives as the
 * chat mock (see scenario.ts): usage, cached, reasoning, parallel, thinking (a reasoning item
 * with a summary), reply, status, retry_after, cut, delay, gap, midstream_error.
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
  type Conversation,
  type IncomingRequest,
  type JsonObject,
  type Reply,
  type ToolChoice,
  type Usage,
} from './scenario.ts';

const HOST = 'api.mock-openai.test';

export async function handleResponses(incoming: IncomingRequest, requestId: string): Promise<Response> {
  if (!/^Bearer \S+/i.test(incoming.headers.authorization ?? '')) {
    return responsesError(401, requestId, {
      message: `You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).`,
      code: null,
    });
  }
  const body = incoming.json;
  if (!isObject(body)) {
    return responsesError(400, requestId, { message: 'We could not parse the JSON body of your request.', code: null });
  }
  const model = asString(body.model);
  if (model === undefined) {
    return responsesError(400, requestId, { message: "Missing required parameter: 'model'.", param: 'model', code: 'missing_required_parameter' });
  }
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
    return responsesError(400, requestId, { message: "Missing required parameter: 'input'.", param: 'input', code: 'missing_required_parameter' });
  }

  const scenario = planScenario(conversationOf(body), { thinking: true });
  await sleep(scenario.delayMs);
  if (scenario.error) {
    const { status, retryAfter } = scenario.error;
    return responsesError(status, requestId, errorFor(status, model), retryAfter);
  }

  const headers = { 'x-request-id': requestId, 'openai-processing-ms': '12' };
  const ids = idsFor(scenario.reply);
  const shell = responseShell(body, model);
  if (body.stream !== true) return jsonResponse(finalResponse(shell, scenario.reply, ids), 200, headers);

  const events = streamEvents(shell, scenario.reply, ids);
  const frames = events.map(frame);
  const k = scenario.stream.errorAfter ?? 0;
  const message = `OpenAI mock: The server had an error while processing your request (simulated by ${HOST}).`;
  const failed = { ...shell, status: 'failed', error: { code: 'server_error', message } };
  const errorFrame =
    frame({ type: 'error', sequence_number: k, code: 'server_error', message, param: null }) +
    frame({ type: 'response.failed', sequence_number: k + 1, response: failed });
  return sseResponse(applyStreamPlan(frames, scenario.stream, errorFrame), scenario.stream, headers);
}

function frame(data: JsonObject): string {
  return `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`;
}

// ---------------------------------------------------------------------------------------------
// Request → neutral conversation
// ---------------------------------------------------------------------------------------------

/** Text of message content: a string, or input_text / output_text parts. */
function contentTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  return asArray(content).flatMap((p) =>
    isObject(p) && (p.type === 'input_text' || p.type === 'output_text') && typeof p.text === 'string' ? [p.text] : [],
  );
}

function outputText(item: JsonObject): string {
  return contentTexts(item.output).join('\n');
}

function conversationOf(body: JsonObject): Conversation {
  const items: JsonObject[] =
    typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : asArray(body.input).filter(isObject);
  const texts: string[] = typeof body.instructions === 'string' ? [body.instructions] : [];
  let lastUserText = '';
  for (const item of items) {
    if (item.type === 'function_call_output') texts.push(outputText(item));
    else if (item.type === undefined || item.type === 'message') {
      const t = contentTexts(item.content);
      texts.push(...t);
      if (item.role === 'user') lastUserText = t.join('\n');
    }
  }

  let tail = items.length;
  while (tail > 0 && items[tail - 1]?.type === 'function_call_output') tail--;
  const trailing = items.slice(tail);
  const toolResults = trailing.length > 0 ? trailing.map(outputText) : null;

  const tools = asArray(body.tools).flatMap((t) => (isObject(t) && t.type === 'function' && typeof t.name === 'string' ? [t.name] : []));

  let toolChoice: ToolChoice = { kind: 'auto' };
  const tc = body.tool_choice;
  if (tc === 'none') toolChoice = { kind: 'none' };
  else if (isObject(tc) && tc.type === 'function' && typeof tc.name === 'string') toolChoice = { kind: 'tool', name: tc.name };
  return { texts, lastUserText, toolResults, tools, toolChoice };
}

// ---------------------------------------------------------------------------------------------
// Neutral reply → wire format
// ---------------------------------------------------------------------------------------------

interface ItemIds {
  reasoning: string;
  message: string;
  calls: { id: string; callId: string }[];
}

function idsFor(reply: Reply): ItemIds {
  return {
    reasoning: randomId('rs_', 48),
    message: randomId('msg_', 48),
    calls: reply.toolCalls.map(() => ({ id: randomId('fc_', 48), callId: randomId('call_', 24) })),
  };
}

function usageOf(u: Usage): JsonObject {
  const input = u.input + u.cacheRead;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cacheRead, cache_write_tokens: 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: input + u.output,
  };
}

/** The response object of both the created event and the final body, echoing the request like OpenAI. */
function responseShell(body: JsonObject, model: string): JsonObject {
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  return {
    id: randomId('resp_', 48),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    metadata: isObject(body.metadata) ? body.metadata : {},
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: reasoning.effort ?? null, summary: reasoning.summary ?? null },
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: isObject(body.text) ? body.text : { format: { type: 'text' } },
    tool_choice: body.tool_choice ?? 'auto',
    tools: asArray(body.tools),
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: null,
    user: body.user ?? null,
  };
}

const outputTextPart = (text: string): JsonObject => ({ type: 'output_text', annotations: [], logprobs: [], text });

function reasoningItem(id: string, thinking: string): JsonObject {
  return { id, type: 'reasoning', summary: [{ type: 'summary_text', text: thinking }] };
}

function messageItem(id: string, text: string, status: string): JsonObject {
  return { id, type: 'message', status, content: status === 'completed' ? [outputTextPart(text)] : [], role: 'assistant' };
}

function callItem(ids: { id: string; callId: string }, name: string, args: string, status: string): JsonObject {
  return { id: ids.id, type: 'function_call', status, arguments: args, call_id: ids.callId, name };
}

function outputItems(reply: Reply, ids: ItemIds): JsonObject[] {
  const out: JsonObject[] = [];
  if (reply.thinking !== null) out.push(reasoningItem(ids.reasoning, reply.thinking));
  if (reply.text !== null) out.push(messageItem(ids.message, reply.text, 'completed'));
  reply.toolCalls.forEach((c, i) => out.push(callItem(ids.calls[i]!, c.name, c.arguments, 'completed')));
  return out;
}

function finalResponse(shell: JsonObject, reply: Reply, ids: ItemIds): JsonObject {
  return { ...shell, status: 'completed', output: outputItems(reply, ids), usage: usageOf(reply.usage) };
}

function streamEvents(shell: JsonObject, reply: Reply, ids: ItemIds): JsonObject[] {
  const out: JsonObject[] = [];
  const emit = (type: string, fields: JsonObject) => out.push({ type, sequence_number: out.length, ...fields });
  emit('response.created', { response: shell });
  emit('response.in_progress', { response: shell });
  let index = 0;

  if (reply.thinking !== null) {
    const at = { item_id: ids.reasoning, output_index: index };
    emit('response.output_item.added', { output_index: index, item: { id: ids.reasoning, type: 'reasoning', summary: [] } });
    emit('response.reasoning_summary_part.added', { ...at, summary_index: 0, part: { type: 'summary_text', text: '' } });
    for (const delta of splitEven(reply.thinking, 3)) emit('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta });
    emit('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: reply.thinking });
    emit('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text: reply.thinking } });
    emit('response.output_item.done', { output_index: index, item: reasoningItem(ids.reasoning, reply.thinking) });
    index++;
  }

  if (reply.text !== null) {
    const at = { item_id: ids.message, output_index: index, content_index: 0 };
    emit('response.output_item.added', { output_index: index, item: messageItem(ids.message, '', 'in_progress') });
    emit('response.content_part.added', { ...at, part: outputTextPart('') });
    for (const delta of splitEven(reply.text, 5)) emit('response.output_text.delta', { ...at, delta, logprobs: [] });
    emit('response.output_text.done', { ...at, text: reply.text, logprobs: [] });
    emit('response.content_part.done', { ...at, part: outputTextPart(reply.text) });
    emit('response.output_item.done', { output_index: index, item: messageItem(ids.message, reply.text, 'completed') });
    index++;
  }

  reply.toolCalls.forEach((call, i) => {
    const callIds = ids.calls[i]!;
    const at = { item_id: callIds.id, output_index: index };
    emit('response.output_item.added', { output_index: index, item: callItem(callIds, call.name, '', 'in_progress') });
    for (const delta of splitEven(call.arguments, 3)) emit('response.function_call_arguments.delta', { ...at, delta });
    emit('response.function_call_arguments.done', { ...at, name: call.name, arguments: call.arguments });
    emit('response.output_item.done', { output_index: index, item: callItem(callIds, call.name, call.arguments, 'completed') });
    index++;
  });

  emit('response.completed', { response: finalResponse(shell, reply, ids) });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Errors (same bodies as the chat mock: the Responses API shares them)
// ---------------------------------------------------------------------------------------------

interface ErrorFields {
  message: string;
  type?: string;
  param?: string | null;
  code: string | null;
}

function errorFor(status: number, model: string): ErrorFields {
  const where = `(simulated by ${HOST})`;
  if (status === 401) return { message: `Incorrect API key provided ${where}.`, code: 'invalid_api_key' };
  if (status === 404) return { message: `The model \`${model}\` does not exist or you do not have access to it ${where}.`, code: 'model_not_found' };
  if (status === 429) return { message: `Rate limit reached for requests ${where}.`, type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { message: `The server had an error while processing your request ${where}.`, code: null };
  return { message: `Invalid request ${where}.`, code: null };
}

function responsesError(status: number, requestId: string, f: ErrorFields, retryAfter: string | null = null): Response {
  const headers: Record<string, string> = { 'x-request-id': requestId };
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  const type = f.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return jsonResponse({ error: { message: `OpenAI mock: ${f.message}`, type, param: f.param ?? null, code: f.code } }, status, headers);
}
