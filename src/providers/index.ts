import { anthropicAdapter } from "./anthropic/adapter.ts";
import { geminiAdapter } from "./gemini/adapter.ts";
import { openaiCompatibleAdapter } from "./openai-compatible/adapter.ts";
import { openaiAdapter } from "./openai/adapter.ts";
import type { ProviderAdapter, ProviderKind, WireProtocol } from "./types.ts";

export type { CallOptions, ProviderAdapter, ProviderConfig, ProviderKind, UpstreamCall, WireProtocol } from "./types.ts";

const ADAPTERS: Partial<Record<ProviderKind, ProviderAdapter>> = {
  openai: openaiAdapter,
  "openai-compatible": openaiCompatibleAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};

const PROTOCOL_OF_KIND: Record<ProviderKind, WireProtocol> = {
  openai: "openai-chat",
  "openai-compatible": "openai-chat",
  anthropic: "anthropic-messages",
  gemini: "gemini",
};

export function adapterFor(kind: ProviderKind): ProviderAdapter | undefined {
  return ADAPTERS[kind];
}

export function protocolOfKind(kind: ProviderKind): WireProtocol {
  return PROTOCOL_OF_KIND[kind];
}

export function isProviderKind(s: string): s is ProviderKind {
  return s in PROTOCOL_OF_KIND;
}
