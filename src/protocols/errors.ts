// Error bodies in each protocol's own shape, from one gateway-wide list of error kinds.

export type ClientProtocol = "openai" | "anthropic";

export type ErrorKind =
  | "invalid_request"
  | "authentication"
  | "billing"
  | "permission"
  | "not_found"
  | "too_large"
  | "rate_limit"
  | "internal"
  | "upstream"
  | "overloaded"
  | "timeout";

interface KindInfo {
  status: number;
  openaiType: string;
  anthropicType: string;
}

export const ERROR_KINDS: Record<ErrorKind, KindInfo> = {
  invalid_request: { status: 400, openaiType: "invalid_request_error", anthropicType: "invalid_request_error" },
  authentication: { status: 401, openaiType: "authentication_error", anthropicType: "authentication_error" },
  billing: { status: 402, openaiType: "insufficient_quota", anthropicType: "billing_error" },
  permission: { status: 403, openaiType: "permission_error", anthropicType: "permission_error" },
  not_found: { status: 404, openaiType: "invalid_request_error", anthropicType: "not_found_error" },
  too_large: { status: 413, openaiType: "invalid_request_error", anthropicType: "request_too_large" },
  rate_limit: { status: 429, openaiType: "rate_limit_error", anthropicType: "rate_limit_error" },
  internal: { status: 500, openaiType: "server_error", anthropicType: "api_error" },
  upstream: { status: 502, openaiType: "server_error", anthropicType: "api_error" },
  overloaded: { status: 503, openaiType: "server_error", anthropicType: "overloaded_error" },
  timeout: { status: 504, openaiType: "server_error", anthropicType: "timeout_error" },
};

/** The kind a status belongs to, for errors relayed from an upstream. */
export function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
    case 422:
      return "invalid_request";
    case 401:
      return "authentication";
    case 402:
      return "billing";
    case 403:
      return "permission";
    case 404:
      return "not_found";
    case 413:
      return "too_large";
    case 429:
      return "rate_limit";
    case 503:
    case 529:
      return "overloaded";
    case 504:
      return "timeout";
    default:
      return status >= 500 ? "upstream" : "invalid_request";
  }
}

export interface ErrorDetail {
  kind: ErrorKind;
  message: string;
  /** The request field at fault (OpenAI `param`). */
  param?: string | null;
  /** Machine-readable code (OpenAI `code`). */
  code?: string | null;
  /** An upstream error type worth keeping (e.g. Anthropic's exact type). */
  type?: string;
}

export function openaiErrorBody(e: ErrorDetail): { error: { message: string; type: string; param: string | null; code: string | null } } {
  return {
    error: {
      message: e.message,
      type: e.type ?? ERROR_KINDS[e.kind].openaiType,
      param: e.param ?? null,
      code: e.code ?? null,
    },
  };
}

export function anthropicErrorBody(
  e: ErrorDetail,
  requestId: string | null,
): { type: "error"; error: { type: string; message: string }; request_id: string | null } {
  return {
    type: "error",
    error: { type: e.type ?? ERROR_KINDS[e.kind].anthropicType, message: e.message },
    request_id: requestId,
  };
}

export function errorBody(protocol: ClientProtocol, e: ErrorDetail, requestId: string | null): unknown {
  return protocol === "anthropic" ? anthropicErrorBody(e, requestId) : openaiErrorBody(e);
}
