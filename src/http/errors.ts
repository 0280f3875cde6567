// One error type for the whole gateway; rendered in the endpoint's own protocol.
import { ERROR_KINDS, errorBody, type ClientProtocol, type ErrorDetail, type ErrorKind } from "../protocols/errors.ts";

export class GatewayError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly extra: {
      param?: string | null;
      code?: string | null;
      type?: string;
      status?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.status = extra.status ?? ERROR_KINDS[kind].status;
  }

  get detail(): ErrorDetail {
    return { kind: this.kind, message: this.message, param: this.extra.param, code: this.extra.code, type: this.extra.type };
  }
}

/** Anthropic-shaped errors for the Messages endpoints, OpenAI-shaped everywhere else. */
export function protocolForPath(path: string): ClientProtocol {
  return path.startsWith("/v1/messages") ? "anthropic" : "openai";
}

export function errorResponse(protocol: ClientProtocol, err: GatewayError, requestId: string): Response {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-request-id": requestId,
    ...err.extra.headers,
  };
  if (protocol === "anthropic") headers["request-id"] = requestId;
  return new Response(JSON.stringify(errorBody(protocol, err.detail, requestId)), { status: err.status, headers });
}
