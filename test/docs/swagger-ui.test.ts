// Swagger UI in a real (headless) Chromium: /swagger renders the operations from
// /openapi.json, the Authorize dialog takes an API key, and "Try it out" on GET /v1/models
// gets a 200 from the gateway. Every request the page makes goes to the gateway itself (no
// CDN). A screenshot lands in test/artifacts/swagger.png.
//
// Needs Debian's chromium at /usr/bin/chromium. When it is missing and we are root, this file
// installs it (apt-get); where that is impossible the tests are skipped, saying why.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { startHarness, type Harness } from "../helpers/harness.ts";
import { ARTIFACTS, CHROMIUM, FLAGS, ensureChromium } from "../helpers/browser.ts";

const skipReason = await ensureChromium();
if (skipReason) console.warn(`SKIPPED swagger-ui tests: ${skipReason}`);

let h: Harness;
let key: string;
let browser: Browser;

beforeAll(async () => {
  if (skipReason) return;
  h = await startHarness();
  key = (await h.newUser(100)).key;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

/** Opens a page, recording every URL it asks for. */
async function open(url: string): Promise<{ page: Page; requested: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const requested: string[] = [];
  page.on("request", (r) => requested.push(r.url()));
  await page.goto(url, { waitUntil: "load" });
  return { page, requested };
}

function offsite(requested: string[], origin: string): string[] {
  return requested.filter((u) => !u.startsWith(origin) && !u.startsWith("data:"));
}

describe.skipIf(skipReason !== null)("Swagger UI in Chromium", () => {
  test("renders the gateway's operations and tries GET /v1/models with an API key", async () => {
    const origin = h.sluice.gatewayUrl;
    const { page, requested } = await open(`${origin}/swagger`);
    try {
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      const operationCount = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
      expect(await page.locator(".opblock").count()).toBe(operationCount);
      expect(await page.locator(".opblock-summary-path", { hasText: "/v1/chat/completions" }).count()).toBe(1);
      expect(await page.locator(".opblock-summary-path", { hasText: "/v1/messages" }).count()).toBeGreaterThanOrEqual(1);

      // Authorize: the bearer scheme's field, then close the dialog.
      await page.click("button.authorize");
      const bearer = page.locator(".auth-container", { hasText: "bearerAuth" });
      await bearer.locator("input").fill(key);
      await bearer.locator("button.authorize").click();
      await page.click("button.btn-done");

      const models = page.locator("#operations-Discovery-getV1Models");
      await models.locator(".opblock-summary").first().click();
      await models.locator("button.try-out__btn").click();
      await models.locator("button.execute").click();
      const status = models.locator(".live-responses-table tr.response .response-col_status").first();
      await status.waitFor({ timeout: 30_000 });
      expect((await status.innerText()).trim()).toStartWith("200");
      expect(await models.locator(".live-responses-table tr.response .response-col_description").first().innerText()).toContain("gpt-5.5");

      mkdirSync(ARTIFACTS, { recursive: true });
      await models.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, "swagger.png") });
      expect(offsite(requested, origin)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 90_000);

  test("the admin port serves its own Swagger UI", async () => {
    const origin = h.sluice.adminUrl;
    const { page, requested } = await open(`${origin}/admin/swagger`);
    try {
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      expect(await page.locator(".opblock-summary-path", { hasText: "/admin/v1/users" }).count()).toBeGreaterThanOrEqual(1);
      expect(offsite(requested, origin)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
