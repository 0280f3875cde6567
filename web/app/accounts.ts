// Dashboard accounts: an ordinary Sluice user (db/accounts.ts createUser, with the signup
// credit) plus a password in web_credentials, and the free trial started through the same
// checkout call the billing API uses.
import type { Database } from "../../db/client.ts";
import { createUser } from "../../db/accounts.ts";
import { listPlans } from "../../db/plans.ts";
import { checkout, isUniqueViolation } from "../../src/payments/checkout.ts";
import type { BillingDeps } from "../../src/payments/deps.ts";
import { hashPassword } from "../kit/passwords.ts";

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

/** Emails are compared as typed, lower-cased: one address, one account. */
export function normalizeEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

export function emailProblem(email: string): string | null {
  if (email === "") return "Enter your email address.";
  if (email.length > 254 || !EMAIL.test(email)) return "Enter an email address like name@example.com.";
  return null;
}

export async function findLogin(database: Database, email: string): Promise<{ userId: string; passwordHash: string } | null> {
  const rows = await database.rows<{ id: string; password_hash: string }>(
    "select u.id, c.password_hash from users u join web_credentials c on c.user_id = u.id where u.email = $1",
    [email],
  );
  const row = rows[0];
  return row ? { userId: row.id, passwordHash: row.password_hash } : null;
}

export async function emailTaken(database: Database, email: string): Promise<boolean> {
  return (await database.rows<{ n: number }>("select count(*)::int as n from users where email = $1", [email]))[0]!.n > 0;
}

export type SignupResult = { ok: true; userId: string; trial: boolean } | { ok: false; reason: "email_taken" };

export async function signUp(billing: BillingDeps, input: { email: string; password: string; signupMicro: bigint }): Promise<SignupResult> {
  // Hash first: it is the slow part, and doing it before the insert keeps the window in
  // which a user exists without a password short.
  const passwordHash = await hashPassword(input.password);
  let userId: string;
  try {
    userId = await createUser(billing.database, billing.store, { email: input.email, name: null, signupMicro: input.signupMicro, actor: "web-signup" });
  } catch (err) {
    // users.email is unique: two sign-ups racing for one address end here.
    if (isUniqueViolation(err)) return { ok: false, reason: "email_taken" };
    throw err;
  }
  await billing.database.rows("insert into web_credentials (user_id, password_hash) values ($1, $2)", [userId, passwordHash]);
  return { ok: true, userId, trial: await startTrial(billing, userId) };
}

/** The seeded trial plan, through checkout; a missing or used trial is not a sign-up failure. */
async function startTrial(billing: BillingDeps, userId: string): Promise<boolean> {
  const trial = (await listPlans(billing.database)).find((p) => p.isTrial && p.status === "active");
  if (!trial) return false;
  try {
    await checkout(billing, userId, { planId: trial.id });
    return true;
  } catch (err) {
    console.error(`[sluice-web] trial for ${userId} not started:`, err instanceof Error ? err.message : err);
    return false;
  }
}
