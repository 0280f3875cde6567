// Rupiah arithmetic for billing: integers only. IDR prices are tax-inclusive (ARCHITECTURE
// section 6), so tax is extracted from a price rather than added to it, and proration follows
// payments.md section 4: charges round up, refunds round down, each as one difference.

/** Round half up of num / den for non-negative bigints. */
function divRoundHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

/**
 * Splits a tax-inclusive amount into DPP (net) and PPN: net = round(amount / (1 + rate)),
 * half up, and tax = amount - net. Taking tax as the remainder keeps net + tax == amount
 * exactly, so an invoice's lines can never drift from its total by a rupiah.
 */
export function splitTaxIncluded(amountIdr: number, taxRateBps: number): { netIdr: number; taxIdr: number } {
  if (!Number.isSafeInteger(amountIdr) || amountIdr < 0) throw new RangeError(`amount must be a non-negative integer, got ${amountIdr}`);
  const net = divRoundHalfUp(BigInt(amountIdr) * 10_000n, BigInt(10_000 + taxRateBps));
  return { netIdr: Number(net), taxIdr: amountIdr - Number(net) };
}

export interface ProrationWindow {
  periodStart: Date;
  periodEnd: Date;
  at: Date;
}

/** Whole seconds left and in the period; proration is computed to the second. */
function seconds(w: ProrationWindow): { remaining: bigint; period: bigint } {
  const period = BigInt(Math.floor((w.periodEnd.getTime() - w.periodStart.getTime()) / 1000));
  const clampedAt = Math.min(Math.max(w.at.getTime(), w.periodStart.getTime()), w.periodEnd.getTime());
  const remaining = BigInt(Math.floor((w.periodEnd.getTime() - clampedAt) / 1000));
  if (period <= 0n) throw new RangeError("empty billing period");
  return { remaining, period };
}

/** Upgrade mid-cycle: ceil((new - old) x remaining / period), never negative. */
export function upgradeChargeIdr(paidOldIdr: number, newPriceIdr: number, w: ProrationWindow): number {
  const diff = BigInt(newPriceIdr - paidOldIdr);
  if (diff <= 0n) return 0;
  const { remaining, period } = seconds(w);
  return Number((diff * remaining + period - 1n) / period);
}

/** Downgrade: floor((paid_old - new) x remaining / period), never negative. */
export function downgradeRefundIdr(paidOldIdr: number, newPriceIdr: number, w: ProrationWindow): number {
  const diff = BigInt(paidOldIdr - newPriceIdr);
  if (diff <= 0n) return 0;
  const { remaining, period } = seconds(w);
  return Number((diff * remaining) / period);
}

/** Prorates a bigint quantity (included micro-credits) down, for the part of a period left. */
export function prorateDownMicro(amountMicro: bigint, w: ProrationWindow): bigint {
  if (amountMicro <= 0n) return 0n;
  const { remaining, period } = seconds(w);
  return (amountMicro * remaining) / period;
}

/** Rupiah to micro-credits at IDR_PER_CREDIT, rounded down (the user never gains from rounding). */
export function idrToMicro(idr: number, idrPerCredit: number): bigint {
  return (BigInt(idr) * 1_000_000n) / BigInt(idrPerCredit);
}

/** "149000.00" or 149000 -> 149000; anything not a whole rupiah -> null. */
export function parseIdr(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== "string") return null;
  const m = /^(\d{1,15})(?:\.0{1,2})?$/.exec(value.trim());
  return m ? Number(m[1]) : null;
}

export interface DowngradeSettlement {
  /** Included micro-credits of the rest of the period above the new plan's, taken back from the balance. */
  creditsReturnedMicro: bigint;
  /** Of those, the part already spent, paid for out of the refund (rupiah, rounded up). */
  usageOffsetIdr: number;
  /** What is refunded: the pro-rata price difference less the usage offset, never negative. */
  refundIdr: number;
}

/**
 * Downgrade (payments.md section 4). The pro-rata price difference is refunded, and with it
 * goes what that money bought: the old plan's included credits for the rest of the period
 * above the new plan's. Without this a user could buy the top plan, take its credits and
 * downgrade a minute later for most of the price back. Those credits come back out of the
 * balance; any already spent reduce the refund (the "usage cap" of payments.md), floor 0.
 * `grantedMicro` caps the take-back at what this subscription was actually credited, so a
 * plan assigned without credits gives nothing back.
 */
export function settleDowngrade(input: {
  paidOldIdr: number;
  newPriceIdr: number;
  oldIncludedMicro: bigint;
  newIncludedMicro: bigint;
  grantedMicro: bigint;
  balanceMicro: bigint;
  idrPerCredit: number;
  window: ProrationWindow;
}): DowngradeSettlement {
  const priceRefund = downgradeRefundIdr(input.paidOldIdr, input.newPriceIdr, input.window);
  const owed = minMicro(prorateDownMicro(input.oldIncludedMicro - input.newIncludedMicro, input.window), input.grantedMicro);
  const fromBalance = minMicro(owed, input.balanceMicro);
  const spentMicro = owed - fromBalance;
  const offset = Number((spentMicro * BigInt(input.idrPerCredit) + 999_999n) / 1_000_000n);
  return { creditsReturnedMicro: fromBalance, usageOffsetIdr: Math.min(offset, priceRefund), refundIdr: Math.max(0, priceRefund - offset) };
}

/** The smaller of two amounts, never below 0 (a negative balance or grant gives nothing). */
function minMicro(a: bigint, b: bigint): bigint {
  const m = a < b ? a : b;
  return m > 0n ? m : 0n;
}
