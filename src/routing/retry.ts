// Which upstream failures are worth another try, and how long to wait first.

/** 408, 409, 429, 5xx and Anthropic's 529 are transient; other 4xx are the client's fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The provider refused our key: a gateway configuration problem, never the client's. */
export function isProviderAuthFailure(status: number): boolean {
  return status === 401 || status === 403;
}

/** The upstream's own hint: retry-after-ms, else retry-after (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | null {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const ra = headers.get("retry-after");
  if (ra === null) return null;
  const secs = Number(ra);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: attempt 0 waits up to base, then 2x, 4x... capped. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}
