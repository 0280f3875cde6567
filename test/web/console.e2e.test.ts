// The web console end to end, in headless Chromium, against a whole Sluice with mock
// upstreams and the mock Midtrans: a user signs up, creates a key, buys a plan with QRIS (the
// mock provider sends the notification), sees the plan and the invoice, calls the API with
// the official OpenAI SDK and finds the request in the usage page; an operator signs in to the
// admin panel, changes a model's price, and the next request is billed at the new price.
// Every page's screenshot lands in test/artifacts/web-*.png and admin-*.png.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startBillingHarness, type BillingHarness } from "../billing/billing-harness.ts";
import { ARTIFACTS, CHROMIUM, FLAGS, ensureChromium } from "../helpers/browser.ts";
import { PASSWORD, uniqueEmail } from "./client.ts";

const skipReason = await ensureChromium();
if (skipReason) console.warn(`SKIPPED web console browser tests: ${skipReason}`);

let b: BillingHarness;
let browser: Browser;
let gateway: string;
let adminUrl: string;
/** Every URL any page asked for: the console must load nothing from elsewhere. */
const requested: string[] = [];
const email = uniqueEmail("e2e");
let key = "";

beforeAll(async () => {
  if (skipReason) return;
  b = await startBillingHarness("midtrans");
  gateway = b.h.sluice.gatewayUrl;
  adminUrl = b.h.sluice.adminUrl;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await b?.stop();
});

async function context(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport });
  ctx.on("request", (r) => requested.push(r.url()));
  return ctx;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Text of the table row that contains `text`. */
async function rowWith(page: Page, table: string, text: string): Promise<string> {
  const row = page.locator(`${table} tbody tr`, { hasText: text }).first();
  await row.waitFor({ timeout: 15_000 });
  return row.innerText();
}

async function chat(apiKey: string) {
  const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey, maxRetries: 0 });
  return client.chat.completions.create({ model: "gpt-5.4-mini", messages: [{ role: "user", content: "hello [[mock:usage=1000,100]]" }] }).withResponse();
}

describe.skipIf(skipReason !== null)("web console in Chromium", () => {
  test("a user signs up, creates a key, buys a plan with QRIS and sees the plan and its invoice", async () => {
    const ctx = await context();
    await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway });
    const page = await ctx.newPage();
    try {
      await page.goto(`${gateway}/app`);
      expect(new URL(page.url()).pathname).toBe("/app/login");
      await shot(page, "web-login");

      await page.getByRole("link", { name: "Create an account" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(PASSWORD);
      await shot(page, "web-signup");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(/\/app\/keys/);
      await page.getByText("Welcome to Sluice").waitFor();

      // A key, shown once, with a working copy button.
      await page.getByLabel("Key name").fill("laptop");
      await page.getByRole("button", { name: "Create key" }).click();
      key = await page.getByLabel("New API key").inputValue();
      expect(key).toStartWith("sk-");
      await page.getByRole("button", { name: "Copy" }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      expect(await page.evaluate("navigator.clipboard.readText()")).toBe(key);
      expect(await rowWith(page, "table", "laptop")).toContain(key.slice(0, 12));
      await shot(page, "web-keys");

      // Billing: the signup credit and the trial are there.
      await page.getByRole("link", { name: "Billing" }).click();
      await page.waitForURL(/\/app\/billing$/);
      expect(await page.locator("[data-balance]").innerText()).toBe("300 credits");
      expect(await page.locator("#plan-title + p").innerText()).toContain("Trial");

      // Buy Ship with QRIS.
      await page.getByRole("button", { name: "Buy Ship" }).click();
      await page.waitForURL(/\/app\/billing\/orders\//);
      const qr = page.getByRole("img", { name: /QRIS code for Rp 299\.000/ });
      await qr.waitFor();
      expect(await page.evaluate("document.querySelector('.qr img').naturalWidth")).toBeGreaterThan(100);
      await page.getByText(/\d+:\d\d left/).waitFor();
      expect(await page.locator("main").innerText()).toContain("Rp 299.000");
      await shot(page, "web-qris");

      // The payer scans; Midtrans notifies the gateway; the waiting page updates by itself.
      const orderId = (await page.locator("[data-order-id]").getAttribute("data-order-id"))!;
      expect((await b.pay("midtrans", orderId))?.status).toBe(200);
      await page.getByText("Payment received").waitFor({ timeout: 30_000 });
      expect(await page.locator("[data-order-status]").innerText()).toBe("Paid");
      await shot(page, "web-paid");

      await page.getByRole("link", { name: "Back to billing" }).click();
      await page.waitForURL(/\/app\/billing$/);
      const plan = await page.locator("#plan-title + p").innerText();
      expect(plan).toContain("Ship");
      expect(plan).toContain("active");
      expect(await page.locator("[data-balance]").innerText()).toBe("2,500 credits");
      const invoiceRow = await rowWith(page, "table", "Invoice");
      expect(invoiceRow).toContain("Rp 299.000");
      expect(invoiceRow).toContain("paid");
      await rowWith(page, "table", "Receipt");
      await shot(page, "web-billing");

      await page.getByRole("link", { name: /^INV-/ }).first().click();
      await page.getByRole("heading", { name: /^Invoice INV-/ }).waitFor();
      const doc = await page.locator("body").innerText();
      expect(doc).toContain("Rp 299.000");
      expect(doc).toContain("Rp 29.631");
      await page.getByRole("button", { name: "Print or save as PDF" }).waitFor();
      await shot(page, "web-invoice");
    } finally {
      await ctx.close();
    }
  }, 120_000);

  test("a request made with the key (OpenAI SDK) shows up in the usage charts and table", async () => {
    expect(key).not.toBe("");
    const { response } = await chat(key);
    // 1000 x 16 + 100 x 64 = 22,400 micro-credits = 0.0224 credits = $0.000224.
    expect(response.headers.get("x-sluice-cost-usd")).toBe("0.000224");
    await b.h.sluice.flusher.drain();

    const ctx = await context();
    const page = await ctx.newPage();
    try {
      await page.goto(`${gateway}/app/login`);
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/app\/keys/);
      expect(await rowWith(page, "table", "laptop")).not.toContain("never");

      await page.getByRole("link", { name: "Usage" }).click();
      await page.waitForURL(/\/app\/usage/);
      const recent = await rowWith(page, "#recent-requests", "gpt-5.4-mini");
      expect(recent).toContain("0.0224");
      expect(recent).toContain("1,000");
      expect(await rowWith(page, "#usage-by-model", "gpt-5.4-mini")).toMatch(/gpt-5\.4-mini\s+1\s+1,000\s+100\s+0\s+0\.0224/);
      expect(await page.locator("#chart-models svg title").first().textContent()).toBe("gpt-5.4-mini: 0.0224");
      expect(await page.locator("#chart-spend svg rect").count()).toBe(1);
      expect(await page.locator("#chart-tokens svg rect").count()).toBe(2);
      await shot(page, "web-usage");
    } finally {
      await ctx.close();
    }
  }, 90_000);

  test("at phone width the dashboard fits the screen and works from the keyboard", async () => {
    const ctx = await context({ width: 390, height: 844 });
    const page = await ctx.newPage();
    try {
      await page.goto(`${gateway}/app/login`);
      await page.keyboard.press("Tab");
      expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
      await page.getByLabel("Email").focus();
      await page.keyboard.type(email);
      await page.keyboard.press("Tab");
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/app\/keys/);
      for (const [path, name] of [["/app/keys", "web-keys-phone"], ["/app/billing", "web-billing-phone"], ["/app/usage", "web-usage-phone"]] as const) {
        await page.goto(`${gateway}${path}`);
        // Wide tables scroll inside their own box; the page itself never scrolls sideways.
        expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
        await shot(page, name);
      }
    } finally {
      await ctx.close();
    }
  }, 90_000);

  test("an operator changes a model's price in the admin panel; the next request is billed at it", async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    try {
      await page.goto(`${adminUrl}/admin`);
      expect(new URL(page.url()).pathname).toBe("/admin/login");
      await page.getByLabel("Admin token").fill("test-admin-token");
      await page.getByLabel("Your name").fill("e2e operator");
      await shot(page, "admin-login");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/admin\/models/);

      const input = page.getByLabel("Input price of gpt-5.4-mini (credits per 1M tokens)");
      expect(await input.inputValue()).toBe("16");
      await shot(page, "admin-models");
      await input.fill("32");
      await page.getByRole("button", { name: "Save gpt-5.4-mini" }).click();
      await page.getByText("Saved: gpt-5.4-mini v2.").waitFor();
      expect(await page.getByLabel("Input price of gpt-5.4-mini (credits per 1M tokens)").inputValue()).toBe("32");

      await page.getByRole("link", { name: "gpt-5.4-mini", exact: true }).click();
      const latest = await rowWith(page, "#price-history", "v2");
      expect(latest).toContain("32");
      expect(latest).toContain("admin-token:web/e2e operator");
      // The seeded v1 predates the history table; the audit log below keeps its prices.
      await shot(page, "admin-model");

      // Every gateway reloads its catalog on the change; then the next request costs more:
      // 1000 x 32 + 100 x 64 = 38,400 micro-credits = $0.000384.
      const deadline = Date.now() + 5_000;
      let cost: string | null = null;
      while (Date.now() < deadline) {
        if (b.h.sluice.catalog().get("gpt-5.4-mini")?.prices.input === 32_000_000n) break;
        await Bun.sleep(20);
      }
      const { response } = await chat(key);
      cost = response.headers.get("x-sluice-cost-usd");
      expect(cost).toBe("0.000384");
      await b.h.sluice.flusher.drain();

      // The rest of the panel, each page once.
      await page.getByRole("link", { name: "Users" }).click();
      await page.getByLabel("Search by email, name or id").fill(email);
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: email }).waitFor();
      await shot(page, "admin-users");
      await page.getByRole("link", { name: email }).click();
      expect(await page.locator("#user-balance").innerText()).toBe("2,499.9392");
      await rowWith(page, "#user-keys", "laptop");
      await shot(page, "admin-user");

      await page.getByRole("link", { name: "Orders" }).click();
      const order = await rowWith(page, "#orders", "ship");
      expect(order).toContain("paid");
      await shot(page, "admin-orders");
      await page.locator("#orders tbody tr", { hasText: "ship" }).getByRole("link").first().click();
      await page.getByRole("heading", { name: "Refund" }).waitFor();
      await shot(page, "admin-order");

      await page.getByRole("link", { name: "Invoices" }).click();
      await rowWith(page, "#documents", "Receipt");
      await shot(page, "admin-invoices");

      await page.getByRole("link", { name: "Providers" }).click();
      await rowWith(page, "#deployments", "gpt-5.4-mini");
      await shot(page, "admin-providers");

      await page.getByRole("link", { name: "Plans" }).click();
      expect(await page.getByLabel("Price (IDR) of plan ship").inputValue()).toBe("299000");
      await shot(page, "admin-plans");

      await page.getByRole("link", { name: "Usage" }).click();
      expect(await rowWith(page, "#usage-by-model", "gpt-5.4-mini")).toContain("0.0608");
      await shot(page, "admin-usage");

      await page.getByRole("link", { name: "Audit" }).click();
      await page.getByLabel("Action starts with").fill("model.");
      await page.getByRole("button", { name: "Filter" }).click();
      const audit = await rowWith(page, "#audit", "model.update");
      expect(audit).toContain("admin-token:web/e2e operator");
      await shot(page, "admin-audit");

      await page.getByRole("link", { name: "Health" }).click();
      expect(await page.locator("#readiness").innerText()).toBe("ready");
      expect(await page.locator("#ledger-lag").innerText()).toBe("0 entries");
      expect(await page.locator("#error-rate").innerText()).toBe("0.00 %");
      await shot(page, "admin-health");
    } finally {
      await ctx.close();
    }
  }, 120_000);

  test("nothing was loaded from anywhere but the two servers", () => {
    const offsite = requested.filter((u) => !u.startsWith(gateway) && !u.startsWith(adminUrl) && !u.startsWith("data:"));
    expect(offsite).toEqual([]);
    expect(requested.length).toBeGreaterThan(20);
  });
});
