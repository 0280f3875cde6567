// A provider adapter turns a request in the provider's own protocol into the HTTP call its
// API expects (URL, auth headers, version headers). One adapter per upstream kind.

export type ProviderKind = "openai" | "anthropic" | "gemini" | "openai-compatible";
export type WireProtocol = "openai-chat" | "anthropic-messages" | "gemini";

export interface ProviderConfig {
  id: string;
  kind: ProviderKind;
  /** Follows the official SDK's convention: OpenAI-shaped ones include /v1, the others do not. */
  baseUrl: string;
  apiKey: string | undefined;
}

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface CallOptions {
  /** The provider's id for the model (Gemini puts it in the URL, not the body). */
  upstreamModel: string;
  stream: boolean;
  /** OpenAI serves two APIs at one base URL; every other adapter ignores this. */
  endpoint?: "chat" | "responses";
}

export interface ProviderAdapter {
  readonly kind: ProviderKind;
  readonly protocol: WireProtocol;
  /**
   * Builds the call for a body already in the provider's protocol, with the upstream model
   * id set. `incoming` are the client's headers: only protocol headers meant for the
   * provider (e.g. anthropic-beta) are carried over, never the client's credentials.
   */
  buildCall(provider: ProviderConfig, body: Record<string, unknown>, incoming: Headers, opts: CallOptions): UpstreamCall;
}
