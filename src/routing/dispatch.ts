// Sends a request upstream with retries and fallbacks, all before anything reaches the
// client: the loop ends at the first response whose status is a success, or at a failure
// that is the client's fault, or when the attempts or the time budget run out.
import type { UpstreamCall } from "../providers/index.ts";
import type { Deployment } from "./catalog.ts";
import type { Cooldowns } from "./cooldown.ts";
import { backoffMs, isProviderAuthFailure, isRetryableStatus, retryAfterMs } from "./retry.ts";

export interface DispatchPolicy {
  /** Attempts in all, across deployments. */
  maxAttempts: number;
  /** Attempts on one deployment before falling back to the next. */
  attemptsPerDeployment: number;
  /** Time the whole loop may take before giving up (waits included). */
  budgetMs: number;
  /** Response headers must arrive within this. */
  firstByteTimeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

export const DEFAULT_POLICY: DispatchPolicy = {
  maxAttempts: 4,
  attemptsPerDeployment: 2,
  budgetMs: 30_000,
  firstByteTimeoutMs: 60_000,
  backoffBaseMs: 200,
  backoffCapMs: 2_000,
};

export type Failure =
  | { kind: "status"; status: number; headers: Headers; body: string; deployment: Deployment }
  | { kind: "network" | "timeout"; deployment: Deployment };

export type DispatchResult =
  | { ok: true; response: Response; deployment: Deployment; abort: AbortController; attempts: number }
  | { ok: false; failure: Failure; attempts: number; retryAfterMs: number | null };

export interface DispatchInput {
  deployments: readonly Deployment[];
  /** Builds the upstream call for one deployment (translation happens here). */
  prepare(deployment: Deployment): UpstreamCall;
  fetch: typeof fetch;
  cooldowns: Cooldowns;
  policy: DispatchPolicy;
  onRetry?(failure: Failure): void;
}

export async function dispatch(input: DispatchInput): Promise<DispatchResult> {
  const { policy, cooldowns } = input;
  const started = Date.now();
  let attempts = 0;
  let last: Failure | null = null;
  let lastRetryAfter: number | null = null;

  for (let di = 0; di < input.deployments.length; di++) {
    const deployment = input.deployments[di]!;
    const hasNext = di + 1 < input.deployments.length;
    // A cooled-down deployment is skipped while another one remains to try.
    if (!cooldowns.available(deployment.id) && (hasNext || last !== null)) continue;
    // Falling back to another deployment is immediate; retrying the same one waits first.
    for (let k = 0; k < policy.attemptsPerDeployment && attempts < policy.maxAttempts; k++) {
      if (k > 0) {
        const wait = lastRetryAfter ?? backoffMs(k - 1, policy.backoffBaseMs, policy.backoffCapMs);
        // An upstream asking for a longer pause than we can afford: move on (or give up).
        if (Date.now() - started + wait > policy.budgetMs) break;
        if (wait > 0) await Bun.sleep(wait);
      }
      attempts++;
      const call = input.prepare(deployment);
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new DOMException("first byte timeout", "TimeoutError")), policy.firstByteTimeoutMs);
      let response: Response;
      try {
        response = await input.fetch(call.url, { method: "POST", headers: call.headers, body: call.body, signal: abort.signal });
      } catch {
        clearTimeout(timer);
        last = { kind: abort.signal.aborted ? "timeout" : "network", deployment };
        lastRetryAfter = null;
        cooldowns.failure(deployment.id);
        input.onRetry?.(last);
        continue;
      }
      clearTimeout(timer);
      if (response.ok) {
        cooldowns.success(deployment.id);
        return { ok: true, response, deployment, abort, attempts };
      }
      const body = await response.text().catch(() => "");
      last = { kind: "status", status: response.status, headers: response.headers, body, deployment };
      lastRetryAfter = retryAfterMs(response.headers);
      if (isProviderAuthFailure(response.status)) {
        // Our credentials for this provider are wrong: not the client's fault, and retrying
        // the same deployment cannot help. Another deployment may.
        cooldowns.failure(deployment.id);
        input.onRetry?.(last);
        break;
      }
      if (!isRetryableStatus(response.status)) {
        // The client's own mistake: every deployment would say the same.
        return { ok: false, failure: last, attempts, retryAfterMs: lastRetryAfter };
      }
      cooldowns.failure(deployment.id);
      input.onRetry?.(last);
    }
    if (attempts >= policy.maxAttempts) break;
  }
  if (!last) {
    const d = input.deployments[0];
    if (!d) throw new Error("dispatch needs at least one deployment");
    last = { kind: "network", deployment: d };
  }
  return { ok: false, failure: last, attempts, retryAfterMs: lastRetryAfter };
}
