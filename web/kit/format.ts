// Numbers for people. Money stays integer until here: credits are rendered from micro-credits
// with the same exact decimal code the API uses, rupiah as the invoices print them.
import { formatScaled, microToUsd } from "../../src/metering/money.ts";
import { formatWib } from "../../src/payments/period.ts";
import { rupiah } from "../../admin/invoice-html.ts";

export { rupiah, formatWib };

function group(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 1234567890 micro-credits -> "1,234.56789"; exact, no rounding. */
export function credits(micro: bigint | number): string {
  const s = formatScaled(BigInt(micro), 6);
  const neg = s.startsWith("-");
  const [whole = "0", frac] = (neg ? s.slice(1) : s).split(".");
  return `${neg ? "-" : ""}${group(whole)}${frac ? `.${frac}` : ""}`;
}

/** Credits as a form field value: no grouping, so it parses back. */
export function creditsInput(micro: bigint | number): string {
  return formatScaled(BigInt(micro), 6);
}

export function usd(micro: bigint | number, creditUsd: string): string {
  return `$${microToUsd(BigInt(micro), creditUsd)}`;
}

export function count(n: number): string {
  return group(String(Math.trunc(n)));
}

export function when(d: Date | string | null | undefined): string {
  if (d === null || d === undefined) return "—";
  const date = typeof d === "string" ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? "—" : formatWib(date);
}

export function periodLabel(p: { period_months: number; period_days: number }): string {
  if (p.period_months > 0) return p.period_months === 1 ? "month" : `${p.period_months} months`;
  return p.period_days === 1 ? "day" : `${p.period_days} days`;
}
