// How a request in the client's protocol reaches an upstream of some wire protocol: the
// same protocol passes through; another one is translated, with Anthropic Messages as the
// hub (OpenAI clients reach Gemini through chat -> messages -> gemini).
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
import { chainStreams } from "../protocols/translate/chain.ts";
import type { WireProtocol } from "../providers/index.ts";

type Json = Record<string, unknown>;

export interface Bridge {
  /** Pass-through: bytes relayed as they are, except the model field. */
  readonly passThrough: boolean;
  request(body: Json, ctx: TranslateContext): Json;
  response(json: Json, ctx: TranslateContext): Json;
  stream(ctx: TranslateContext, opts: { includeUsage: boolean }): StreamTranslator;
}

const passThrough: Bridge = {
  passThrough: true,
  request: (body, ctx) => ({ ...body, model: ctx.upstreamModel }),
  response: (json) => json,
  stream: () => {
    throw new Error("pass-through streams are relayed, not translated");
  },
};

const BRIDGES: Record<ClientProtocol, Record<WireProtocol, Bridge>> = {
  openai: {
    "openai-chat": passThrough,
    "anthropic-messages": {
      passThrough: false,
      request: chatToMessagesRequest,
      response: messagesToChatResponse,
      stream: (ctx, opts) => new MessagesToChatStream(ctx, opts),
    },
    gemini: {
      passThrough: false,
      request: (body, ctx) => messagesToGeminiRequest(chatToMessagesRequest(body, ctx), ctx),
      response: (json, ctx) => messagesToChatResponse(geminiToMessagesResponse(json, ctx), ctx),
      stream: (ctx, opts) => chainStreams(new GeminiToMessagesStream(ctx), new MessagesToChatStream(ctx, opts)),
    },
  },
  anthropic: {
    "anthropic-messages": passThrough,
    "openai-chat": {
      passThrough: false,
      request: messagesToChatRequest,
      response: chatToMessagesResponse,
      stream: (ctx) => new ChatToMessagesStream(ctx),
    },
    gemini: {
      passThrough: false,
      request: messagesToGeminiRequest,
      response: geminiToMessagesResponse,
      stream: (ctx) => new GeminiToMessagesStream(ctx),
    },
  },
};

export function bridgeFor(client: ClientProtocol, upstream: WireProtocol): Bridge {
  return BRIDGES[client][upstream];
}
