// How a request to one of our APIs reaches an upstream of some wire protocol: the same
// protocol passes through; another one is translated, with Anthropic Messages as the hub
// (OpenAI chat clients reach Gemini through chat -> messages -> gemini) and the Responses
// API riding on chat (responses -> chat -> whatever the upstream speaks).
import type { ClientProtocol } from "../protocols/errors.ts";
import type { StreamTranslator, TranslateContext } from "../protocols/translate/types.ts";
import { chatToMessagesRequest } from "../protocols/translate/chat-over-messages/request.ts";
import { messagesToChatResponse } from "../protocols/translate/chat-over-messages/response.ts";
import { MessagesToChatStream } from "../protocols/translate/chat-over-messages/stream.ts";
import { messagesToChatRequest } from "../protocols/translate/messages-over-chat/request.ts";
import { chatToMessagesResponse } from "../protocols/translate/messages-over-chat/response.ts";
import { ChatToMessagesStream } from "../protocols/translate/messages-over-chat/stream.ts";
import { messagesToGeminiRequest } from "../protocols/translate/messages-over-gemini/request.ts";
import { geminiToMessagesResponse } from "../protocols/translate/messages-over-gemini/response.ts";
import { GeminiToMessagesStream } from "../protocols/translate/messages-over-gemini/stream.ts";
import { responsesToChatRequest } from "../protocols/translate/responses-over-chat/request.ts";
import { chatToResponsesResponse } from "../protocols/translate/responses-over-chat/response.ts";
import { ChatToResponsesStream } from "../protocols/translate/responses-over-chat/stream.ts";
import { chainStreams } from "../protocols/translate/chain.ts";
import type { ProviderKind, WireProtocol } from "../providers/index.ts";

type Json = Record<string, unknown>;

/** The gateway's public APIs. */
export type ClientApi = "chat" | "messages" | "responses";

/** Each API's error format (the Responses API shares OpenAI's). */
export function errorProtocolOf(api: ClientApi): ClientProtocol {
  return api === "messages" ? "anthropic" : "openai";
}

/** The wire an API speaks when relayed untouched. */
export type PassThroughWire = "openai-chat" | "anthropic-messages" | "openai-responses";

export interface Bridge {
  /** Set when bytes are relayed as they are (except the model field), in this wire format. */
  readonly passThrough: PassThroughWire | null;
  request(body: Json, ctx: TranslateContext): Json;
  /** `req` is the client's request, which some translations echo back. */
  response(json: Json, ctx: TranslateContext, req: Json): Json;
  stream(ctx: TranslateContext, opts: { includeUsage: boolean }, req: Json): StreamTranslator;
}

function passThrough(wire: PassThroughWire): Bridge {
  return {
    passThrough: wire,
    request: (body, ctx) => ({ ...body, model: ctx.upstreamModel }),
    response: (json) => json,
    stream: () => {
      throw new Error("pass-through streams are relayed, not translated");
    },
  };
}

const chatOverMessages: Bridge = {
  passThrough: null,
  request: chatToMessagesRequest,
  response: messagesToChatResponse,
  stream: (ctx, opts) => new MessagesToChatStream(ctx, opts),
};

const chatOverGemini: Bridge = {
  passThrough: null,
  request: (body, ctx) => messagesToGeminiRequest(chatToMessagesRequest(body, ctx), ctx),
  response: (json, ctx) => messagesToChatResponse(geminiToMessagesResponse(json, ctx), ctx),
  stream: (ctx, opts) => chainStreams(new GeminiToMessagesStream(ctx), new MessagesToChatStream(ctx, opts)),
};

const CHAT: Record<WireProtocol, Bridge> = {
  "openai-chat": passThrough("openai-chat"),
  "anthropic-messages": chatOverMessages,
  gemini: chatOverGemini,
};

const MESSAGES: Record<WireProtocol, Bridge> = {
  "anthropic-messages": passThrough("anthropic-messages"),
  "openai-chat": {
    passThrough: null,
    request: messagesToChatRequest,
    response: chatToMessagesResponse,
    stream: (ctx) => new ChatToMessagesStream(ctx),
  },
  gemini: {
    passThrough: null,
    request: messagesToGeminiRequest,
    response: geminiToMessagesResponse,
    stream: (ctx) => new GeminiToMessagesStream(ctx),
  },
};

/** Responses API on top of a chat bridge: translate to chat first, then as chat would. */
function responsesOver(chat: Bridge): Bridge {
  return {
    passThrough: null,
    request: (body, ctx) => chat.request(responsesToChatRequest(body, ctx), ctx),
    response: (json, ctx, req) => chatToResponsesResponse(chat.passThrough ? json : chat.response(json, ctx, req), ctx, req),
    stream: (ctx, _opts, req) =>
      chat.passThrough
        ? new ChatToResponsesStream(ctx, req)
        : chainStreams(chat.stream(ctx, { includeUsage: true }, req), new ChatToResponsesStream(ctx, req)),
  };
}

const RESPONSES_OVER: Record<WireProtocol, Bridge> = {
  "openai-chat": responsesOver(CHAT["openai-chat"]),
  "anthropic-messages": responsesOver(chatOverMessages),
  gemini: responsesOver(chatOverGemini),
};
const RESPONSES_NATIVE = passThrough("openai-responses");

export function bridgeFor(api: ClientApi, upstream: WireProtocol, kind: ProviderKind): Bridge {
  if (api === "chat") return CHAT[upstream];
  if (api === "messages") return MESSAGES[upstream];
  // Only OpenAI itself serves the Responses API; compatible servers get chat.
  return kind === "openai" ? RESPONSES_NATIVE : RESPONSES_OVER[upstream];
}
