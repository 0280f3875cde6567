// Billing periods. Monthly plans follow payments.md section 4: a calendar month in
// Asia/Jakarta from the activation instant to the same day next month, clamped to the last
// day of shorter months, always counted from the original anchor so 31 Jan -> 28 Feb -> 31 Mar.
// Jakarta has had no DST since 1964, so a fixed +07:00 offset is exact.

const JAKARTA_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 86_400_000;

export function addJakartaMonths(anchor: Date, months: number): Date {
  const local = new Date(anchor.getTime() + JAKARTA_OFFSET_MS);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth() + months;
  const timeOfDay = local.getTime() - Date.UTC(y, local.getUTCMonth(), local.getUTCDate());
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = Math.min(local.getUTCDate(), lastDay);
  return new Date(Date.UTC(y, m, day) + timeOfDay - JAKARTA_OFFSET_MS);
}

export interface PeriodRule {
  periodMonths: number;
  periodDays: number;
}

/** Bounds of the cycle-th period (0-based) of a subscription anchored at `anchor`. */
export function periodBounds(rule: PeriodRule, anchor: Date, cycle: number): { start: Date; end: Date } {
  if (rule.periodMonths > 0) {
    return { start: addJakartaMonths(anchor, cycle * rule.periodMonths), end: addJakartaMonths(anchor, (cycle + 1) * rule.periodMonths) };
  }
  const len = rule.periodDays * DAY_MS;
  return { start: new Date(anchor.getTime() + cycle * len), end: new Date(anchor.getTime() + (cycle + 1) * len) };
}

/** "2025-03-01 10:00:05" style WIB rendering for invoices (payments.md: dates in WIB). */
export function formatWib(d: Date): string {
  return new Date(d.getTime() + JAKARTA_OFFSET_MS).toISOString().replace("T", " ").slice(0, 16) + " WIB";
}
