// How a request in the client's protocol reaches an upstream of some wire protocol: the
// same protocol passes through; another one is translated (Anthropic Messages is the hub).
import type { ClientProtocol } from "../protocols/errors.ts";
import type { StreamTranslator, TranslateContext } from "../protocols/translate/types.ts";
import type { WireProtocol } from "../providers/index.ts";

type Json = Record<string, unknown>;

export interface Bridge {
  /** Pass-through: bytes relayed as they are, except the model field. */
  readonly passThrough: boolean;
  request(body: Json, ctx: TranslateContext): Json;
  response(json: Json, ctx: TranslateContext): Json;
  stream(ctx: TranslateContext, opts: { includeUsage: boolean }): StreamTranslator;
}

const NATIVE: Record<ClientProtocol, WireProtocol> = { openai: "openai-chat", anthropic: "anthropic-messages" };

const passThrough: Bridge = {
  passThrough: true,
  request: (body, ctx) => ({ ...body, model: ctx.upstreamModel }),
  response: (json) => json,
  stream: () => {
    throw new Error("pass-through streams are relayed, not translated");
  },
};

const registry = new Map<string, Bridge>();

export function registerBridge(client: ClientProtocol, upstream: WireProtocol, bridge: Bridge): void {
  registry.set(`${client}>${upstream}`, bridge);
}

export function bridgeFor(client: ClientProtocol, upstream: WireProtocol): Bridge | undefined {
  if (NATIVE[client] === upstream) return passThrough;
  return registry.get(`${client}>${upstream}`);
}
