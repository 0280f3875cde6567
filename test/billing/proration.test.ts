// payments.md section 4 to the rupiah, the tax split of tax-inclusive prices, and the
// calendar-month periods anchored in Asia/Jakarta.
import { describe, expect, test } from "bun:test";
import { downgradeRefundIdr, idrToMicro, parseIdr, prorateDownMicro, settleDowngrade, splitTaxIncluded, upgradeChargeIdr } from "../../src/payments/money.ts";
import { addJakartaMonths, periodBounds } from "../../src/payments/period.ts";

const wib = (s: string) => new Date(`${s}+07:00`);

describe("proration (payments.md section 4)", () => {
  // Pro Rp 299,000 -> Basic Rp 149,000; period 2025-03-01 00:00 to 2025-04-01 00:00 WIB (31 days);
  // downgrade 2025-03-13 00:00 WIB, 19 days left.
  const window = { periodStart: wib("2025-03-01T00:00:00"), periodEnd: wib("2025-04-01T00:00:00"), at: wib("2025-03-13T00:00:00") };

  test("the worked downgrade example refunds exactly Rp 91,935", () => {
    expect(downgradeRefundIdr(299_000, 149_000, window)).toBe(91_935);
  });

  test("it is one rounded difference, not two rounded lines (183,258.06 credit, 91,322.58 charge)", () => {
    expect(downgradeRefundIdr(299_000, 149_000, window)).toBe(Math.floor((150_000 * 19) / 31));
    // Rounding each line first could drift by a rupiah: floor(183258.06) - ceil(91322.58) = 91935 here,
    // round(...) - round(...) = 91935 too, but only the single difference is the rule.
    expect(Math.floor((299_000 * 19) / 31) - Math.ceil((149_000 * 19) / 31)).toBe(91_935);
  });

  test("the period is the calendar month in WIB: 31 days for March 2025", () => {
    const p = periodBounds({ periodMonths: 1, periodDays: 30 }, wib("2025-03-01T00:00:00"), 0);
    expect(p.end.toISOString()).toBe(wib("2025-04-01T00:00:00").toISOString());
    expect((p.end.getTime() - p.start.getTime()) / 86_400_000).toBe(31);
  });

  test("Stripe's example: $10 -> $20 halfway is +5 (in rupiah: 10,000 -> 20,000 is 5,000)", () => {
    const half = { periodStart: new Date(0), periodEnd: new Date(2_000_000), at: new Date(1_000_000) };
    expect(upgradeChargeIdr(10_000, 20_000, half)).toBe(5_000);
  });

  test("charges round up and refunds round down, to the second", () => {
    // 149,000 -> 299,000 with 19 of 31 days left: 150,000 x 19/31 = 91,935.48...
    expect(upgradeChargeIdr(149_000, 299_000, window)).toBe(91_936);
    expect(downgradeRefundIdr(299_000, 149_000, window)).toBe(91_935);
    // One second later the refund shrinks by at most a rupiah.
    const later = { ...window, at: new Date(window.at.getTime() + 1000) };
    expect(downgradeRefundIdr(299_000, 149_000, later)).toBe(Math.floor((150_000 * (19 * 86_400 - 1)) / (31 * 86_400)));
  });

  test("no refund for an upgrade, no charge for a downgrade, nothing after the period", () => {
    expect(downgradeRefundIdr(149_000, 299_000, window)).toBe(0);
    expect(upgradeChargeIdr(299_000, 149_000, window)).toBe(0);
    expect(downgradeRefundIdr(299_000, 149_000, { ...window, at: wib("2025-04-02T00:00:00") })).toBe(0);
  });

  test("prorated included credits round down in micro-credits", () => {
    expect(prorateDownMicro(1_200_000_000n, window)).toBe((1_200_000_000n * 19n) / 31n);
  });
});

describe("downgrade settlement: the refund and the included credits it bought", () => {
  // Ship (Rp 299,000, 2,200 credits) -> Explore (Rp 149,000, 1,000 credits), 19 of 31 days
  // left: 1,200 credits x 19/31 = 735,483,870 micro-credits go back with the Rp 91,935.
  const march = { periodStart: wib("2025-03-01T00:00:00"), periodEnd: wib("2025-04-01T00:00:00"), at: wib("2025-03-13T00:00:00") };
  const owed = (1_200_000_000n * 19n) / 31n;
  const base = {
    paidOldIdr: 299_000,
    newPriceIdr: 149_000,
    oldIncludedMicro: 2_200_000_000n,
    newIncludedMicro: 1_000_000_000n,
    grantedMicro: 2_200_000_000n,
    balanceMicro: 3_000_000_000n,
    idrPerCredit: 160,
    window: march,
  };
  // 235,483,870 micro-credits already spent at Rp 160 a credit: Rp 37,677.4, rounded up.
  const cases: { name: string; change: Partial<typeof base>; returned: bigint; offset: number; refund: number }[] = [
    { name: "credits unspent: all of them go back, the refund is whole", change: {}, returned: owed, offset: 0, refund: 91_935 },
    { name: "some spent: the balance goes back, the rest comes off the refund", change: { balanceMicro: 500_000_000n }, returned: 500_000_000n, offset: 37_678, refund: 91_935 - 37_678 },
    { name: "all spent: the refund goes, never below 0", change: { balanceMicro: 0n }, returned: 0n, offset: 91_935, refund: 0 },
    { name: "balance already negative: same as all spent", change: { balanceMicro: -5_000_000n }, returned: 0n, offset: 91_935, refund: 0 },
    { name: "credited less than the share (assigned plan): only what was credited", change: { grantedMicro: 300_000_000n }, returned: 300_000_000n, offset: 0, refund: 91_935 },
    { name: "credited nothing and paid nothing: nothing either way", change: { grantedMicro: 0n, paidOldIdr: 0 }, returned: 0n, offset: 0, refund: 0 },
    { name: "new plan includes as much: no credits go back", change: { newIncludedMicro: 2_200_000_000n }, returned: 0n, offset: 0, refund: 91_935 },
    { name: "after the period: nothing", change: { window: { ...march, at: wib("2025-04-02T00:00:00") } }, returned: 0n, offset: 0, refund: 0 },
  ];
  for (const c of cases) {
    test(c.name, () => {
      expect(settleDowngrade({ ...base, ...c.change })).toEqual({ creditsReturnedMicro: c.returned, usageOffsetIdr: c.offset, refundIdr: c.refund });
    });
  }

  test("buying the top plan and downgrading at once leaves about what the cheaper plan gives", () => {
    const start = wib("2025-03-01T00:00:00");
    const oneMinuteIn = { periodStart: start, periodEnd: wib("2025-04-01T00:00:00"), at: new Date(start.getTime() + 60_000) };
    const s = settleDowngrade({ ...base, paidOldIdr: 799_000, oldIncludedMicro: 6_500_000_000n, grantedMicro: 6_500_000_000n, balanceMicro: 6_500_000_000n, window: oneMinuteIn });
    const kept = 6_500_000_000n - s.creditsReturnedMicro;
    expect(kept).toBeGreaterThanOrEqual(1_000_000_000n);
    expect(kept).toBeLessThan(1_001_000_000n);
    expect(s.refundIdr).toBe(downgradeRefundIdr(799_000, 149_000, oneMinuteIn));
  });
});

describe("tax-inclusive prices (PPN 11%)", () => {
  test("tax = price - round(price / 1.11), half up, in integers", () => {
    expect(splitTaxIncluded(149_000, 1100)).toEqual({ netIdr: 134_234, taxIdr: 14_766 });
    expect(splitTaxIncluded(299_000, 1100)).toEqual({ netIdr: 269_369, taxIdr: 29_631 });
    expect(splitTaxIncluded(111, 1100)).toEqual({ netIdr: 100, taxIdr: 11 });
    // 50,000 / 1.11 = 45,045.045 -> 45,045.
    expect(splitTaxIncluded(50_000, 1100)).toEqual({ netIdr: 45_045, taxIdr: 4_955 });
    expect(splitTaxIncluded(0, 1100)).toEqual({ netIdr: 0, taxIdr: 0 });
    // Tiny amounts: 5 / 1.11 = 4.50 -> 5, so no tax on Rp 5.
    expect(splitTaxIncluded(5, 1100)).toEqual({ netIdr: 5, taxIdr: 0 });
    // An exact half rounds up: at 100% tax, 25 / 2 = 12.5 -> net 13, tax 12.
    expect(splitTaxIncluded(25, 10_000)).toEqual({ netIdr: 13, taxIdr: 12 });
  });

  test("net + tax always equals the price", () => {
    for (let p = 0; p < 20_000; p += 37) {
      const { netIdr, taxIdr } = splitTaxIncluded(p, 1100);
      expect(netIdr + taxIdr).toBe(p);
      expect(Math.abs(netIdr * 1.11 - p)).toBeLessThan(0.56 * 1.11);
    }
  });
});

describe("calendar months in Asia/Jakarta", () => {
  test("31 Jan anchors clamp to 28 Feb, then return to 31 Mar", () => {
    const anchor = wib("2025-01-31T10:00:00");
    expect(addJakartaMonths(anchor, 1).toISOString()).toBe(wib("2025-02-28T10:00:00").toISOString());
    expect(addJakartaMonths(anchor, 2).toISOString()).toBe(wib("2025-03-31T10:00:00").toISOString());
    expect(addJakartaMonths(wib("2024-01-31T10:00:00"), 1).toISOString()).toBe(wib("2024-02-29T10:00:00").toISOString());
  });

  test("the WIB date, not the UTC one, decides: 1 Mar 03:00 WIB is still 28 Feb in UTC", () => {
    expect(addJakartaMonths(wib("2025-03-01T03:00:00"), 1).toISOString()).toBe(wib("2025-04-01T03:00:00").toISOString());
  });

  test("day-based plans (the trial) are whole days", () => {
    const p = periodBounds({ periodMonths: 0, periodDays: 7 }, new Date("2025-03-01T00:00:00Z"), 1);
    expect(p.start.toISOString()).toBe("2025-03-08T00:00:00.000Z");
    expect(p.end.toISOString()).toBe("2025-03-15T00:00:00.000Z");
  });
});

describe("rupiah parsing and conversion", () => {
  test("Midtrans gross_amount strings and Xendit numbers", () => {
    expect(parseIdr("149000.00")).toBe(149_000);
    expect(parseIdr("149000")).toBe(149_000);
    expect(parseIdr(50_000)).toBe(50_000);
    expect(parseIdr("149000.50")).toBeNull();
    expect(parseIdr(1.5)).toBeNull();
    expect(parseIdr("-1")).toBeNull();
    expect(parseIdr(null)).toBeNull();
  });

  test("refunds to the balance convert at IDR_PER_CREDIT, rounded down", () => {
    expect(idrToMicro(91_935, 160)).toBe(574_593_750n);
    expect(idrToMicro(1, 3)).toBe(333_333n);
  });
});
