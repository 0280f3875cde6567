/**
 * Mock Gemini API upstream (generativelanguage, v1beta). Clients use `mock.url` as base URL
 * (the @google/genai SDK: `httpOptions: { baseUrl: mock.url }`).
 * Behaviour is steered by `[[mock:...]]` directives, see scenario.ts. Gemini specifics:
 * - `thinking=TEXT` gives a thought part only when the request asks for thoughts
 *   (`thinkingConfig.includeThoughts: true`), as the real API does.
 * - Function calls carry a `thoughtSignature` on the first call of a response (as Gemini 3
 *   does); on Gemini 3+ model ids, a later request that replays such a call without that exact
 *   signature gets the 400 INVALID_ARGUMENT Gemini 3 sends (1.x/2.x ids never check, like the
 *   real ones). With thinking on, text answers end with a signature
 *   too (streams put it on an empty final part), which is never validated.
 * - Errors use the google.rpc shape; 429s (and any status with `retry_after=S`) carry a
 *   `RetryInfo` detail with `retryDelay: "Ss"`. Like the real API, no `retry-after` header.
 * - Unknown fields in the request body are rejected like the real (protobuf) API does.
 * - `cachewrite` is ignored: Gemini has no implicit cache writes.
 */
import {
  applyStreamPlan,
  asArray,
  countWords,
  isObject,
  jsonResponse,
  planScenario,
  randomId,
  sleep,
  splitEven,
  sseResponse,
  startRecordingServer,
  type Conversation,
  type IncomingRequest,
  type JsonObject,
  type Reply,
  type Scenario,
  type ToolChoice,
} from './scenario.ts';
import type { MockOptions, MockUpstream } from './types.ts';

const HOST = 'generativelanguage.mock-gemini.test';
const DEFAULT_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-3-pro-preview'];

export interface GeminiMockOptions extends MockOptions {
  /** Give function calls an `id`, as newer Gemini models do. Default: no ids. */
  functionCallIds?: boolean;
}

/** Signatures the mock handed out, per call (`name` + args JSON). */
type Issued = Map<string, Set<string>>;

export async function startGeminiMock(opts: GeminiMockOptions = {}): Promise<MockUpstream> {
  const models = opts.models ?? DEFAULT_MODELS;
  const issued: Issued = new Map();
  return startRecordingServer(opts.port, async (incoming) => {
    if (!incoming.headers['x-goog-api-key']) {
      return googleError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (incoming.method === 'GET' && incoming.path === '/v1beta/models') {
      return jsonResponse({ models: models.map(modelInfo) }, 200);
    }
    const m = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/.exec(incoming.path);
    const model = m?.[1] ? decodeURIComponent(m[1]) : '';
    const method = m?.[2] ?? '';
    if (incoming.method !== 'POST' || !['generateContent', 'streamGenerateContent', 'countTokens'].includes(method)) {
      return googleError(404, `Method not found: ${incoming.method} ${incoming.path}`);
    }
    if (!models.includes(model)) {
      return googleError(404, `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`);
    }
    const alt = new URL(incoming.req.url).searchParams.get('alt');
    return generate(incoming, { model, method, sse: alt === 'sse', issued, ids: opts.functionCallIds === true });
  });
}

function modelInfo(id: string): JsonObject {
  return {
    name: `models/${id}`,
    version: '001',
    displayName: id,
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    supportedGenerationMethods: ['generateContent', 'countTokens'],
    thinking: true,
  };
}

interface Call {
  model: string;
  method: string;
  sse: boolean;
  issued: Issued;
  ids: boolean;
}

async function generate(incoming: IncomingRequest, call: Call): Promise<Response> {
  const body = incoming.json;
  if (!isObject(body)) return googleError(400, 'Invalid JSON payload received. Expected an object.');
  const invalid =
    call.method === 'countTokens' ? null : validate(body) ?? (validatesSignatures(call.model) ? checkSignatures(body, call.issued) : null);
  if (invalid) return googleError(400, invalid);

  const gen = isObject(body.generationConfig) ? body.generationConfig : {};
  const thinkingConfig = isObject(gen.thinkingConfig) ? gen.thinkingConfig : {};
  const scenario = planScenario(conversationOf(body), { thinking: thinkingConfig.includeThoughts === true });
  await sleep(scenario.delayMs);
  if (scenario.error) {
    const { status, retryAfter } = scenario.error;
    return googleError(status, errorMessage(status, call.model), retryAfter ?? (status === 429 ? '27' : null));
  }
  if (call.method === 'countTokens') {
    const total = scenario.reply.usage.input + scenario.reply.usage.cacheRead;
    return jsonResponse({ totalTokens: total, promptTokensDetails: [{ modality: 'TEXT', tokenCount: total }] }, 200);
  }

  const thinkingOn = isObject(gen.thinkingConfig) && thinkingConfig.thinkingBudget !== 0;
  const reply = encodeReply(scenario.reply, { textSignature: thinkingOn, ids: call.ids });
  for (const c of reply.signedCalls) {
    const key = callKey(c.name, c.args);
    const set = call.issued.get(key) ?? new Set<string>();
    set.add(c.signature);
    call.issued.set(key, set);
  }
  const responseId = randomId('', 22);
  if (call.method === 'generateContent') {
    return jsonResponse(responseOf([reply.parts], 'STOP', usageOf(scenario, true), call.model, responseId), 200);
  }
  const chunks = streamChunks(reply, scenario, call.model, responseId);
  if (!call.sse) return jsonResponse(chunks, 200); // without alt=sse Gemini streams one JSON array
  const frames = chunks.map(sse);
  const errorFrame = sse({ error: { code: 503, message: `Gemini mock: The model is overloaded. Please try again later. (simulated by ${HOST})`, status: 'UNAVAILABLE' } });
  return sseResponse(applyStreamPlan(frames, scenario.stream, errorFrame), scenario.stream, {});
}

// ---------------------------------------------------------------------------------------------
// Request validation (the real API is protobuf: unknown names are 400s)
// ---------------------------------------------------------------------------------------------

const TOP_LEVEL = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent', 'labels']);
const GENERATION_CONFIG = new Set([
  'stopSequences', 'responseMimeType', 'responseSchema', 'responseJsonSchema', 'candidateCount', 'maxOutputTokens',
  'temperature', 'topP', 'topK', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs',
  'thinkingConfig', 'responseModalities', 'mediaResolution', 'speechConfig',
]);
const THINKING_CONFIG = new Set(['thinkingBudget', 'includeThoughts', 'thinkingLevel']);
const PART_DATA = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const PART_META = new Set(['thought', 'thoughtSignature', 'videoMetadata', 'partMetadata', 'mediaResolution']);

function unknownName(name: string, where: string): string {
  return `Invalid JSON payload received. Unknown name "${name}"${where}: Cannot find field.`;
}

function validate(body: JsonObject): string | null {
  for (const k of Object.keys(body)) if (!TOP_LEVEL.has(k)) return unknownName(k, '');
  const contents = asArray(body.contents);
  if (contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  for (const [i, c] of contents.entries()) {
    if (!isObject(c)) return `Invalid value at 'contents[${i}]'`;
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model') return 'Please use a valid role: user, model.';
    const parts = asArray(c.parts);
    if (parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    for (const [j, p] of parts.entries()) {
      if (!isObject(p)) return `Invalid value at 'contents[${i}].parts[${j}]'`;
      for (const k of Object.keys(p)) {
        if (!PART_DATA.includes(k) && !PART_META.has(k)) return unknownName(k, ` at 'contents[${i}].parts[${j}]'`);
      }
      if (PART_DATA.filter((k) => k in p).length !== 1) {
        return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field`;
      }
      if (p.thoughtSignature !== undefined && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(String(p.thoughtSignature))) {
        return `Invalid value at 'contents[${i}].parts[${j}].thought_signature' (TYPE_BYTES), Base64 decoding failed for "${String(p.thoughtSignature)}"`;
      }
    }
  }
  const gen = body.generationConfig;
  if (gen !== undefined) {
    if (!isObject(gen)) return "Invalid value at 'generation_config'";
    for (const k of Object.keys(gen)) if (!GENERATION_CONFIG.has(k)) return unknownName(k, " at 'generation_config'");
    const tc = gen.thinkingConfig;
    if (isObject(tc)) {
      for (const k of Object.keys(tc)) if (!THINKING_CONFIG.has(k)) return unknownName(k, " at 'generation_config.thinking_config'");
      if (tc.thinkingBudget !== undefined && tc.thinkingLevel !== undefined) {
        return 'You can only set only one of thinking budget and thinking level.';
      }
    }
  }
  return null;
}

/** Gemini 3 and later enforce signatures; 1.x and 2.x models return them but never check. */
function validatesSignatures(model: string): boolean {
  return !/gemini-(?:1|2)(?:\.|-)/.test(model);
}

function callKey(name: unknown, args: unknown): string {
  return `${String(name)}\u0000${JSON.stringify(args ?? {})}`;
}

/**
 * A model step replaying calls this mock made must carry, on one of them, a signature the
 * mock gave for that call (Gemini 3 checks the first call of each step; only the first call
 * of a response gets a signature). Gemini's skip value is accepted only for calls it did not
 * make, which is exactly what a gateway that lost a signature would send.
 */
function checkSignatures(body: JsonObject, issued: Issued): string | null {
  for (const [i, c] of asArray(body.contents).entries()) {
    if (!isObject(c) || c.role !== 'model') continue;
    const calls = asArray(c.parts).filter(isObject).filter((p) => isObject(p.functionCall));
    const ours = calls.filter((p) => isObject(p.functionCall) && issued.has(callKey(p.functionCall.name, p.functionCall.args)));
    if (ours.length === 0) continue;
    const signed = ours.some((p) => {
      const fc = isObject(p.functionCall) ? p.functionCall : {};
      return typeof p.thoughtSignature === 'string' && (issued.get(callKey(fc.name, fc.args))?.has(p.thoughtSignature) ?? false);
    });
    if (signed) continue;
    const first = ours[0];
    const name = first && isObject(first.functionCall) ? String(first.functionCall.name) : '';
    if (ours.some((p) => p.thoughtSignature !== undefined)) return 'Corrupted thought signature.';
    return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Request -> neutral conversation
// ---------------------------------------------------------------------------------------------

function partsOf(content: unknown): JsonObject[] {
  return isObject(content) ? asArray(content.parts).filter(isObject) : [];
}

function responseText(fr: JsonObject): string {
  const r = fr.response;
  if (!isObject(r)) return '';
  for (const k of ['output', 'content', 'result', 'error']) {
    const v = r[k];
    if (typeof v === 'string') return v;
  }
  return JSON.stringify(r);
}

function conversationOf(body: JsonObject): Conversation {
  const contents = asArray(body.contents).filter(isObject);
  const texts: string[] = partsOf(body.systemInstruction).flatMap((p) => (typeof p.text === 'string' ? [p.text] : []));
  let lastUserText = '';
  for (const c of contents) {
    const parts = partsOf(c);
    for (const p of parts) {
      if (typeof p.text === 'string' && p.thought !== true) texts.push(p.text);
      if (isObject(p.functionResponse)) texts.push(responseText(p.functionResponse));
    }
    const userText = c.role !== 'model' ? parts.flatMap((p) => (typeof p.text === 'string' && p.text !== '' ? [p.text] : [])) : [];
    if (userText.length > 0) lastUserText = userText.join('\n');
  }

  const last = contents.at(-1);
  const lastParts = last && last.role !== 'model' ? partsOf(last) : [];
  const toolResults = isObject(lastParts[0]?.functionResponse)
    ? lastParts.flatMap((p) => (isObject(p.functionResponse) ? [responseText(p.functionResponse)] : []))
    : null;

  const tools = asArray(body.tools).flatMap((t) =>
    isObject(t) ? asArray(t.functionDeclarations).flatMap((d) => (isObject(d) && typeof d.name === 'string' ? [d.name] : [])) : [],
  );
  const fcc = isObject(body.toolConfig) && isObject(body.toolConfig.functionCallingConfig) ? body.toolConfig.functionCallingConfig : {};
  const allowed = asArray(fcc.allowedFunctionNames).filter((n): n is string => typeof n === 'string');
  let toolChoice: ToolChoice = { kind: 'auto' };
  if (fcc.mode === 'NONE') toolChoice = { kind: 'none' };
  else if (fcc.mode === 'ANY' && allowed.length === 1 && allowed[0] !== undefined) toolChoice = { kind: 'tool', name: allowed[0] };
  return { texts, lastUserText, toolResults, tools, toolChoice };
}

// ---------------------------------------------------------------------------------------------
// Neutral reply -> wire format
// ---------------------------------------------------------------------------------------------

interface EncodedReply {
  thought: JsonObject | null;
  text: string | null;
  calls: JsonObject[];
  textSignature: string | null;
  /** All parts of a non-streamed answer. */
  parts: JsonObject[];
  signedCalls: { name: string; args: unknown; signature: string }[];
}

/** Looks like Gemini's: base64 of opaque bytes (64 bytes: padded, with + and / likely). */
function newSignature(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64');
}

function encodeReply(reply: Reply, opts: { textSignature: boolean; ids: boolean }): EncodedReply {
  const thought = reply.thinking !== null ? { text: reply.thinking, thought: true } : null;
  const signedCalls: EncodedReply['signedCalls'] = [];
  const calls = reply.toolCalls.map((c, i) => {
    const args: unknown = JSON.parse(c.arguments);
    const functionCall: JsonObject = { name: c.name, args };
    if (opts.ids) functionCall.id = randomId('', 8).toLowerCase();
    const part: JsonObject = { functionCall };
    if (i === 0) {
      part.thoughtSignature = newSignature();
      signedCalls.push({ name: c.name, args, signature: String(part.thoughtSignature) });
    }
    return part;
  });
  const textSignature = opts.textSignature && reply.text !== null && calls.length === 0 ? newSignature() : null;
  const parts: JsonObject[] = [];
  if (thought) parts.push(thought);
  if (reply.text !== null) parts.push(textSignature ? { text: reply.text, thoughtSignature: textSignature } : { text: reply.text });
  parts.push(...calls);
  return { thought, text: reply.text, calls, textSignature, parts, signedCalls };
}

function usageOf(s: Scenario, final: boolean): JsonObject {
  const u = s.reply.usage;
  const prompt = u.input + u.cacheRead;
  const out: JsonObject = { promptTokenCount: prompt };
  if (final) {
    const shown = s.reply.thinking !== null ? countWords(s.reply.thinking) : 0;
    const thoughts = Math.min(u.output, u.reasoning + shown);
    const candidates = u.output - thoughts;
    if (candidates > 0) out.candidatesTokenCount = candidates;
    if (u.cacheRead > 0) out.cachedContentTokenCount = u.cacheRead;
    if (thoughts > 0) out.thoughtsTokenCount = thoughts;
    out.totalTokenCount = prompt + u.output;
  } else {
    out.totalTokenCount = prompt;
  }
  out.promptTokensDetails = [{ modality: 'TEXT', tokenCount: prompt }];
  if (u.cacheRead > 0) out.cacheTokensDetails = [{ modality: 'TEXT', tokenCount: u.cacheRead }];
  return out;
}

function responseOf(partsList: JsonObject[][], finishReason: string | null, usage: JsonObject, model: string, responseId: string): JsonObject {
  const parts = partsList.flat();
  const candidate: JsonObject = { content: { parts, role: 'model' }, index: 0 };
  if (finishReason) candidate.finishReason = finishReason;
  return { candidates: [candidate], usageMetadata: usage, modelVersion: model, responseId };
}

/** Thought in two chunks, text in five, all calls in one, the finishReason on the last chunk. */
function streamChunks(reply: EncodedReply, s: Scenario, model: string, responseId: string): JsonObject[] {
  const pieces: JsonObject[][] = [];
  if (reply.thought) pieces.push(...splitEven(String(reply.thought.text), 2).map((t) => [{ text: t, thought: true }]));
  if (reply.text !== null) pieces.push(...splitEven(reply.text, 5).map((t) => [{ text: t }]));
  if (reply.calls.length > 0) pieces.push(reply.calls);
  // Gemini 3 streams deliver a text answer's signature on an empty part of its own, at the end.
  if (reply.textSignature) pieces.push([{ text: '', thoughtSignature: reply.textSignature }]);
  return pieces.map((parts, i) => {
    const last = i === pieces.length - 1;
    return responseOf([parts], last ? 'STOP' : null, usageOf(s, last), model, responseId);
  });
}

function sse(data: JsonObject): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

// ---------------------------------------------------------------------------------------------
// Errors (google.rpc.Status)
// ---------------------------------------------------------------------------------------------

const STATUS_OF_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleStatus(code: number): string {
  return STATUS_OF_CODE[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

function errorMessage(status: number, model: string): string {
  const what: Record<number, string> = {
    400: 'Request contains an invalid argument.',
    401: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
    403: 'The caller does not have permission',
    404: `models/${model} is not found for API version v1beta, or is not supported for generateContent.`,
    429: 'You exceeded your current quota, please check your plan and billing details.',
    500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    503: 'The model is overloaded. Please try again later.',
    504: 'Deadline expired before operation could complete.',
  };
  return `${what[status] ?? (status >= 500 ? 'Internal error encountered.' : 'Request contains an invalid argument.')} (simulated by ${HOST})`;
}

function googleError(code: number, message: string, retryAfter: string | null = null): Response {
  const status = googleStatus(code);
  const details: JsonObject[] = [];
  if (code === 429) {
    details.push({
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
          quotaValue: '10',
        },
      ],
    });
  }
  if (retryAfter !== null) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` });
  const error: JsonObject = { code, message: `Gemini mock: ${message}`, status };
  if (details.length > 0) error.details = details;
  return jsonResponse({ error }, code);
}

