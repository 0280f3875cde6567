// Money is integers end to end: balances and costs are bigint micro-credits, prices are
// bigint micro-credits per 1M tokens. Decimal strings appear only at the edges (headers,
// JSON for people), computed exactly from the integers.

import type { TokenUsage } from "../protocols/usage.ts";

export type { TokenUsage };

export const MICRO_PER_CREDIT = 1_000_000n;

/** Parses "200" or "0.25" credits into micro-credits; rejects more than 6 decimals. */
export function creditsToMicro(credits: string | number): bigint {
  const s = typeof credits === "number" ? numberToPlainString(credits) : credits.trim();
  const m = /^(-)?(\d+)(?:\.(\d{1,6}))?$/.exec(s);
  if (!m) throw new RangeError(`not a credit amount with at most 6 decimals: "${s}"`);
  const micro = BigInt(m[2]!) * MICRO_PER_CREDIT + BigInt((m[3] ?? "").padEnd(6, "0") || "0");
  return m[1] ? -micro : micro;
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError("credit amount must be finite");
  // toFixed avoids exponent notation; 6 places is the micro-credit resolution.
  return n.toFixed(6).replace(/\.?0+$/, "");
}

/** Exact decimal rendering of value / 10^scale, trailing zeros trimmed. */
export function formatScaled(value: bigint, scale: number): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const digits = abs.toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? digits.slice(digits.length - scale).replace(/0+$/, "") : "";
  return (neg ? "-" : "") + whole + (frac ? "." + frac : "");
}

export function microToCredits(micro: bigint): string {
  return formatScaled(micro, 6);
}

/**
 * Converts micro-credits to USD at a rate given as a decimal string (CREDIT_USD), exactly:
 * both factors are integers over powers of ten, so the product is a finite decimal.
 */
export function microToUsd(micro: bigint, creditUsd: string): string {
  const [whole, frac = ""] = creditUsd.split(".");
  const rateScaled = BigInt((whole ?? "0") + frac);
  return formatScaled(micro * rateScaled, 6 + frac.length);
}

/** USD as a JSON number for widgets; the exact figure is microToUsd. */
export function microToUsdNumber(micro: bigint, creditUsd: string): number {
  return Number(microToUsd(micro, creditUsd));
}


export interface Prices {
  /** Micro-credits per 1M tokens. */
  input: bigint;
  output: bigint;
  cacheRead: bigint;
  cacheWrite: bigint;
}

/**
 * cost = Σ tokens × price-per-1M / 1M, rounded up to the micro-credit once for the whole
 * request. Prices that are whole credits per 1M (the catalog's) make the division exact.
 */
export function costMicro(usage: TokenUsage, prices: Prices): bigint {
  const scaled =
    BigInt(usage.inputTokens) * prices.input +
    BigInt(usage.cacheReadTokens) * prices.cacheRead +
    BigInt(usage.cacheWriteTokens) * prices.cacheWrite +
    BigInt(usage.outputTokens) * prices.output;
  return (scaled + 999_999n) / 1_000_000n;
}
