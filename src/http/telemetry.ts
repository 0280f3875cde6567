// The headers every successful response carries (ARCHITECTURE.md section 6), plus the
// conventional OpenAI and Anthropic rate-limit headers that SDKs and tools read.
import { microToUsd } from "../metering/money.ts";
import type { AdmissionResult, Limits } from "../store/types.ts";

export interface TelemetryNames {
  cost: string;
  rpm: string;
  concurrent: string;
  spend: string;
  includeCost: string;
}

export function telemetryNames(prefix: string): TelemetryNames {
  return {
    cost: `${prefix}-cost-usd`,
    rpm: `${prefix}-rpm-remaining`,
    concurrent: `${prefix}-concurrent-remaining`,
    spend: `${prefix}-window-spend-remaining-usd`,
    includeCost: `${prefix}-include-cost`,
  };
}

export function limitHeaders(
  names: TelemetryNames,
  admission: Extract<AdmissionResult, { ok: true }>,
  limits: Limits,
  creditUsd: string,
  headers: Record<string, string>,
): void {
  if (admission.rpmRemaining !== null) {
    const remaining = String(admission.rpmRemaining);
    headers[names.rpm] = remaining;
    headers["x-ratelimit-limit-requests"] = String(limits.rpm);
    headers["x-ratelimit-remaining-requests"] = remaining;
    headers["anthropic-ratelimit-requests-limit"] = String(limits.rpm);
    headers["anthropic-ratelimit-requests-remaining"] = remaining;
  }
  if (admission.concurrentRemaining !== null) headers[names.concurrent] = String(admission.concurrentRemaining);
  if (admission.windowSpendRemainingMicro !== null) {
    const left = admission.windowSpendRemainingMicro < 0n ? 0n : admission.windowSpendRemainingMicro;
    headers[names.spend] = microToUsd(left, creditUsd);
  }
}
