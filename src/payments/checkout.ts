// POST /v1/billing/checkout: turns "I want plan X / pack Y" into what the user must do.
// - no plan (or a trial): a QRIS order for the plan's price;
// - the plan already held: a renewal order for the next period;
// - a dearer plan: an upgrade order for the prorated difference (payments.md 4, rounded up);
// - a cheaper plan: the downgrade happens now, with a pro-rata refund to the balance;
// - the trial: started at once, free, once per user.
// The invoice is issued with the order; the QRIS charge is created after that commit, so a
// provider outage voids the invoice instead of leaving a gap in the numbering.
import { eq } from "drizzle-orm";
import { getUser } from "../../db/accounts.ts";
import { issueDocument, setInvoiceStatus } from "../../db/invoices.ts";
import { newOrderId, setOrderStatus, type OrderKind, type OrderRow } from "../../db/orders.ts";
import { getPack, getPlan, type PlanRow } from "../../db/plans.ts";
import { orders } from "../../db/schema.ts";
import { activeSubscription, scheduledSubscription, trialUsed } from "../../db/subscriptions.ts";
import { BillingError, Effects, nowOf, type BillingDeps } from "./deps.ts";
import { startSubscriptionInTx } from "./fulfil.ts";
import { prorateDownMicro, upgradeChargeIdr } from "./money.ts";
import { downgradeNow } from "./plan-change.ts";
import { qrPngDataUrl } from "./qr.ts";
import { PaymentProviderError } from "./types.ts";
import { microToCredits } from "../metering/money.ts";

export interface CheckoutResult {
  order_id: string;
  kind: OrderKind;
  status: string;
  amount_idr: number;
  qr_string: string | null;
  qr_image: string | null;
  expires_at: string | null;
  invoice_number: string | null;
  refund_idr?: number;
  /** Downgrades: included micro-credits of the old plan taken back with the refund. */
  credits_returned_micro?: number;
}

interface Quote {
  kind: OrderKind;
  amountIdr: number;
  description: string;
  itemId: string;
  planId: string | null;
  packId: string | null;
  subscriptionId: string | null;
  details: Record<string, string | number | boolean | null>;
}

export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

export async function checkout(deps: BillingDeps, userId: string, want: { planId?: string; packId?: string }): Promise<CheckoutResult> {
  if ((want.planId === undefined) === (want.packId === undefined)) throw new BillingError(400, "invalid_request", "Send exactly one of plan_id or pack_id.");
  const user = await getUser(deps.database, userId);
  if (!user) throw new BillingError(404, "not_found", "Unknown user.");
  const now = nowOf(deps);

  let quote: Quote;
  if (want.packId !== undefined) {
    const pack = await getPack(deps.database.db, want.packId);
    if (!pack || pack.status !== "active") throw new BillingError(404, "not_found", `No credit pack ${want.packId}.`);
    quote = {
      kind: "pack",
      amountIdr: pack.priceIdr,
      description: `Credit pack ${pack.name} (${microToCredits(pack.creditsMicro)} credits)`,
      itemId: pack.id,
      planId: null,
      packId: pack.id,
      subscriptionId: null,
      details: { credits_micro: pack.creditsMicro.toString() },
    };
  } else {
    const plan = await getPlan(deps.database.db, want.planId!);
    if (!plan || plan.status !== "active") throw new BillingError(404, "not_found", `No plan ${want.planId}.`);
    if (plan.isTrial) return startTrial(deps, userId, plan, now);
    const current = await activeSubscription(deps.database.db, userId);
    if (!current || current.isTrial) {
      quote = planQuote("plan", plan, plan.priceIdr, `${plan.name} plan, ${periodLabel(plan)}`, null, {});
    } else {
      if (await scheduledSubscription(deps.database.db, userId)) {
        throw new BillingError(409, "renewal_pending", "A renewal is already paid for the next period; change plans after it starts.");
      }
      const currentPlan = await getPlan(deps.database.db, current.planId);
      if (current.planId === plan.id) {
        quote = planQuote("renewal", plan, plan.priceIdr, `${plan.name} plan renewal, ${periodLabel(plan)}`, current.id, {});
      } else if (plan.priceIdr > current.paidIdr) {
        const window = { periodStart: current.periodStart, periodEnd: current.periodEnd, at: now };
        const charge = upgradeChargeIdr(current.paidIdr, plan.priceIdr, window);
        if (charge <= 0) throw new BillingError(409, "period_ending", "The current period is ending; buy the new plan once it has.");
        const extraMicro = plan.includedMicro > (currentPlan?.includedMicro ?? 0n) ? plan.includedMicro - (currentPlan?.includedMicro ?? 0n) : 0n;
        quote = planQuote("upgrade", plan, charge, `Upgrade ${currentPlan?.name ?? current.planId} → ${plan.name}, prorated to ${current.periodEnd.toISOString().slice(0, 10)}`, current.id, {
          from_plan: current.planId,
          to_plan: plan.id,
          new_paid_idr: plan.priceIdr,
          credit_micro: prorateDownMicro(extraMicro, window).toString(),
          prorated_at: now.toISOString(),
        });
      } else {
        const r = await downgradeNow(deps, userId, plan, "user");
        return { order_id: r.order.id, kind: "downgrade", status: r.order.status, amount_idr: 0, qr_string: null, qr_image: null, expires_at: null, invoice_number: null, refund_idr: r.refundIdr, credits_returned_micro: Number(r.creditsReturnedMicro) };
      }
    }
  }
  return createPaidOrder(deps, userId, user.email, quote, now);
}

function periodLabel(plan: PlanRow): string {
  return plan.periodMonths > 0 ? `${plan.periodMonths} month${plan.periodMonths > 1 ? "s" : ""}` : `${plan.periodDays} days`;
}

function planQuote(kind: OrderKind, plan: PlanRow, amountIdr: number, description: string, subscriptionId: string | null, details: Quote["details"]): Quote {
  return { kind, amountIdr, description, itemId: plan.id, planId: plan.id, packId: null, subscriptionId, details };
}

async function createPaidOrder(deps: BillingDeps, userId: string, email: string | null, quote: Quote, now: Date): Promise<CheckoutResult> {
  const provider = deps.providers.primary;
  if (!provider) throw new BillingError(503, "payments_unavailable", "Payments are not configured on this gateway.");
  const id = newOrderId(quote.kind, now);
  const expiresAt = new Date(now.getTime() + deps.payments.qrisExpiryMinutes * 60_000);
  const invoiceNumber = await deps.database.db.transaction(async (tx) => {
    await tx.insert(orders).values({
      id,
      userId,
      kind: quote.kind,
      planId: quote.planId,
      packId: quote.packId,
      subscriptionId: quote.subscriptionId,
      amountIdr: quote.amountIdr,
      provider: provider.name,
      expiresAt,
      details: quote.details,
      createdAt: now,
      updatedAt: now,
    });
    const invoice = await issueDocument(tx, {
      kind: "invoice",
      userId,
      orderId: id,
      status: "open",
      lines: [{ description: quote.description, quantity: 1, unitPriceIdr: quote.amountIdr }],
      taxRateBps: deps.payments.taxRateBps,
      at: now,
    });
    await tx.update(orders).set({ invoiceNumber: invoice.number }).where(eq(orders.id, id));
    return invoice.number;
  });

  let charge;
  try {
    charge = await provider.createCharge({ orderId: id, amountIdr: quote.amountIdr, expiresAt, itemName: quote.description, itemId: quote.itemId, customerEmail: email });
  } catch (err) {
    await deps.database.db.transaction(async (tx) => {
      await setOrderStatus(tx, id, ["pending"], "failed");
      await setInvoiceStatus(tx, invoiceNumber, "void", now);
    });
    const msg = err instanceof PaymentProviderError ? err.message : String(err);
    console.error(`[sluice-billing] QRIS charge for ${id} failed: ${msg}`);
    throw new BillingError(502, "payment_provider_error", "The payment provider could not create the QRIS charge; nothing was charged. Please retry.");
  }
  await deps.database.db
    .update(orders)
    .set({ providerChargeId: charge.chargeId, qrString: charge.qrString, expiresAt: charge.expiresAt, updatedAt: new Date() })
    .where(eq(orders.id, id));
  return {
    order_id: id,
    kind: quote.kind,
    status: "pending",
    amount_idr: quote.amountIdr,
    qr_string: charge.qrString,
    qr_image: charge.qrString ? await qrPngDataUrl(charge.qrString) : charge.qrImageUrl,
    expires_at: charge.expiresAt.toISOString(),
    invoice_number: invoiceNumber,
  };
}

async function startTrial(deps: BillingDeps, userId: string, plan: PlanRow, now: Date): Promise<CheckoutResult> {
  const effects = new Effects();
  const id = newOrderId("trial", now);
  let order: OrderRow;
  try {
    order = await deps.database.db.transaction(async (tx) => {
      if (await trialUsed(tx, userId)) throw new BillingError(409, "trial_used", "The free trial has already been used.");
      const current = await activeSubscription(tx, userId, true);
      if (current) throw new BillingError(409, "plan_active", "The trial is for accounts without a plan.");
      // A free order keeps the history in one place; Rp 0 has nothing to invoice.
      const row = (
        await tx
          .insert(orders)
          .values({ id, userId, kind: "trial", planId: plan.id, amountIdr: 0, status: "paid", provider: "none", paidAt: now, createdAt: now, updatedAt: now })
          .returning()
      )[0]!;
      await startSubscriptionInTx(tx, effects, { userId, plan, at: now, paidIdr: 0, orderId: id, grantCredits: true, actor: "user" });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new BillingError(409, "trial_used", "The free trial has already been used.");
    throw err;
  }
  await effects.apply(deps);
  return { order_id: order.id, kind: "trial", status: "paid", amount_idr: 0, qr_string: null, qr_image: null, expires_at: null, invoice_number: null };
}

