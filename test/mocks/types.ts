/** A request as received by a mock upstream (what the gateway forwarded). */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it is not JSON; `null` when empty. */
  body: unknown;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>` (no trailing slash, no `/v1`). */
  url: string;
  port: number;
  /** Every request received, oldest first. Tests may clear it with `requests.length = 0`. */
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export interface MockOptions {
  port?: number;
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
}
