// Sign-in attempt limits (hot store admission on pseudo-users): per email, per address, and
// on the admin token. A harness of its own, so no other test's attempts count here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "../billing/billing-harness.ts";
import { LOGIN_LIMITS } from "../../web/app/auth-pages.ts";
import { ADMIN_LOGIN_RPM } from "../../web/admin/auth.ts";
import { csrfOf, signUp, uniqueEmail, WebClient, PASSWORD } from "./client.ts";

let b: BillingHarness;
beforeAll(async () => {
  b = await startBillingHarness("midtrans");
}, 60_000);
afterAll(() => b?.stop());

async function attempt(c: WebClient, email: string, password: string) {
  const page = await c.get("/app/login");
  return c.post("/app/login", { _csrf: csrfOf(page.text), email, password });
}

describe("sign-in rate limits", () => {
  test("per email: after the limit even the right password waits; other emails are not blocked", async () => {
    const victim = await signUp(b.h.sluice.gatewayUrl);
    const attacker = new WebClient(b.h.sluice.gatewayUrl);
    for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) {
      const r = await attempt(attacker, victim.email, `wrong password ${i}`);
      expect(r.status).toBe(401);
      expect(r.text).toContain("do not match");
    }
    const refused = await attempt(attacker, victim.email, PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.text).toContain("Too many sign-in attempts");
    expect(attacker.cookies.has("sluice_session")).toBe(false);

    // Another account from the same address still signs in.
    const other = await signUp(b.h.sluice.gatewayUrl);
    const ok = await attempt(new WebClient(b.h.sluice.gatewayUrl), other.email, PASSWORD);
    expect(ok.status).toBe(303);
  });

  test("per address: guessing across many emails runs into the address limit", async () => {
    const c = new WebClient(b.h.sluice.gatewayUrl);
    let refusedAt = -1;
    for (let i = 0; i < LOGIN_LIMITS.perAddress + 1; i++) {
      const r = await attempt(c, uniqueEmail("spray"), "whatever password");
      if (r.status === 429) {
        refusedAt = i;
        break;
      }
      expect(r.status).toBe(401);
    }
    // Earlier attempts of this file came from the same address, so the limit comes at or before N.
    expect(refusedAt).toBeGreaterThan(0);
    expect(refusedAt).toBeLessThanOrEqual(LOGIN_LIMITS.perAddress);
  });

  test("the admin token: a limited number of guesses per address", async () => {
    const c = new WebClient(b.h.sluice.adminUrl);
    const statuses: number[] = [];
    for (let i = 0; i < ADMIN_LOGIN_RPM + 1; i++) {
      const page = await c.get("/admin/login");
      statuses.push((await c.post("/admin/login", { _csrf: csrfOf(page.text), token: `guess-${i}`, name: "eve" })).status);
    }
    expect(statuses.slice(0, ADMIN_LOGIN_RPM)).toEqual(Array(ADMIN_LOGIN_RPM).fill(401));
    expect(statuses[ADMIN_LOGIN_RPM]).toBe(429);
    // While limited, the right token waits too.
    const page = await c.get("/admin/login");
    expect((await c.post("/admin/login", { _csrf: csrfOf(page.text), token: "test-admin-token", name: "ops" })).status).toBe(429);
  });
});
