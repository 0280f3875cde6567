// The consoles' protections over real HTTP: CSRF tokens on every form, sessions that end at
// logout and at their idle or absolute expiry, session ids stored hashed, one user unable to
// touch another's keys, and errors that stay HTML on the pages and JSON on the APIs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBillingHarness, type BillingHarness } from "../billing/billing-harness.ts";
import { sha256Hex } from "../../db/admin-token.ts";
import { csrfOf, signUp, uniqueEmail, WebClient, PASSWORD } from "./client.ts";

let b: BillingHarness;
let gateway: string;
let adminUrl: string;

beforeAll(async () => {
  b = await startBillingHarness("midtrans");
  gateway = b.h.sluice.gatewayUrl;
  adminUrl = b.h.sluice.adminUrl;
}, 60_000);
afterAll(() => b?.stop());

const sessionCookie = (c: WebClient) => c.cookies.get("sluice_session")!;

describe("dashboard: CSRF", () => {
  test("sign-up and sign-in need the form's token to match the cookie's", async () => {
    const stranger = new WebClient(gateway);
    const email = uniqueEmail("csrf");
    // No cookie, no token: what a cross-site form post looks like.
    let r = await stranger.post("/app/signup", { email, password: PASSWORD });
    expect(r.status).toBe(403);
    expect(r.headers.get("content-type")).toContain("text/html");
    // A token of the attacker's own, without the victim's cookie.
    const page = await new WebClient(gateway).get("/app/signup");
    r = await stranger.post("/app/signup", { _csrf: csrfOf(page.text), email, password: PASSWORD });
    expect(r.status).toBe(403);
    r = await stranger.post("/app/login", { _csrf: "forged", email, password: PASSWORD });
    expect(r.status).toBe(403);
    // Nothing was created.
    expect(await b.h.sluice.database.rows("select id from users where email = $1", [email])).toEqual([]);
  });

  test("signed-in forms need the session's token; another session's does not do", async () => {
    const alice = await signUp(gateway);
    const bob = await signUp(gateway);
    const keysBefore = await b.h.sluice.database.rows("select id from api_keys where name = 'csrf-test'");
    expect((await alice.client.post("/app/keys", { name: "csrf-test" })).status).toBe(403);
    expect((await alice.client.post("/app/keys", { _csrf: bob.csrf, name: "csrf-test" })).status).toBe(403);
    expect((await alice.client.post("/app/billing/checkout", { _csrf: "x", plan_id: "ship" })).status).toBe(403);
    expect(await b.h.sluice.database.rows("select id from api_keys where name = 'csrf-test'")).toEqual(keysBefore);

    const ok = await alice.client.post("/app/keys", { _csrf: alice.csrf, name: "csrf-test" });
    expect(ok.status).toBe(200);
    const key = /id="new-key" readonly value="([^"]+)"/.exec(ok.text)![1]!;
    const models = await fetch(`${gateway}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);
  });

  test("the admin panel checks its own session token on every form", async () => {
    const admin = new WebClient(adminUrl);
    const login = await admin.get("/admin/login");
    expect((await admin.post("/admin/login", { token: "test-admin-token", name: "x" })).status).toBe(403);
    const r = await admin.post("/admin/login", { _csrf: csrfOf(login.text), token: "test-admin-token", name: "csrf check" });
    expect(r.status).toBe(303);
    const before = (await b.h.admin("/models/gpt-5.5")).json.version;
    expect((await admin.post("/admin/models/gpt-5.5", { input_price: "1" })).status).toBe(403);
    expect((await admin.post("/admin/models/gpt-5.5", { _csrf: "forged", input_price: "1" })).status).toBe(403);
    expect((await b.h.admin("/models/gpt-5.5")).json.version).toBe(before);
  });
});

describe("dashboard: sessions", () => {
  test("session ids are stored hashed, and sign-out ends the session for good", async () => {
    const u = await signUp(gateway);
    const token = sessionCookie(u.client);
    const rows = await b.h.sluice.database.rows<{ id_hash: string }>("select id_hash from web_sessions where id_hash = $1 or id_hash = $2", [token, sha256Hex(token)]);
    expect(rows).toEqual([{ id_hash: sha256Hex(token) }]);

    // Sign-out is a form too: without the token it does nothing.
    expect((await u.client.post("/app/logout", {})).status).toBe(403);
    expect((await u.client.get("/app/keys")).status).toBe(200);

    const out = await u.client.post("/app/logout", { _csrf: u.csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe("/app/login?bye=1");
    expect(out.headers.getSetCookie().join()).toMatch(/sluice_session=;.*Max-Age=0/);
    expect(u.client.cookies.has("sluice_session")).toBe(false);

    // The old cookie, replayed, is worth nothing.
    const replay = new WebClient(gateway);
    replay.cookies.set("sluice_session", token);
    const r = await replay.get("/app/keys");
    expect(r.status).toBe(303);
    expect(r.location).toStartWith("/app/login");
    expect(await b.h.sluice.database.rows("select 1 from web_sessions where id_hash = $1", [sha256Hex(token)])).toEqual([]);
  });

  test("an idle session expires, and so does any session at its absolute end", async () => {
    const idle = await signUp(gateway);
    await b.h.sluice.database.rows("update web_sessions set idle_expires_at = now() - interval '1 second' where id_hash = $1", [sha256Hex(sessionCookie(idle.client))]);
    let r = await idle.client.get("/app/billing");
    expect(r.status).toBe(303);
    expect(r.location).toBe("/app/login?next=%2Fapp%2Fbilling");

    const old = await signUp(gateway);
    await b.h.sluice.database.rows("update web_sessions set expires_at = now() - interval '1 second' where id_hash = $1", [sha256Hex(sessionCookie(old.client))]);
    r = await old.client.get("/app/usage");
    expect(r.status).toBe(303);

    // Signing in again works and issues a new session id.
    const login = await old.client.get("/app/login");
    const before = sessionCookie(old.client);
    r = await old.client.post("/app/login", { _csrf: csrfOf(login.text), email: old.email, password: PASSWORD });
    expect(r.status).toBe(303);
    expect(sessionCookie(old.client)).not.toBe(before);
    expect((await old.client.get("/app/usage")).status).toBe(200);
  });

  test("cookies are HttpOnly, SameSite=Lax and scoped to their console", async () => {
    const c = new WebClient(gateway);
    const page = await c.get("/app/signup");
    const pre = page.headers.getSetCookie().join();
    expect(pre).toContain("HttpOnly");
    expect(pre).toContain("SameSite=Lax");
    expect(pre).toContain("Path=/app");
    const r = await c.post("/app/signup", { _csrf: csrfOf(page.text), email: uniqueEmail("cookie"), password: PASSWORD });
    const session = r.headers.getSetCookie().find((x) => x.startsWith("sluice_session="))!;
    expect(session).toMatch(/HttpOnly.*SameSite=Lax/);
    expect(session).toContain("Path=/app");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  test("one user cannot see or touch another's keys, orders or documents", async () => {
    const alice = await signUp(gateway);
    const mallory = await signUp(gateway);
    const created = await alice.client.post("/app/keys", { _csrf: alice.csrf, name: "mine" });
    expect(created.status).toBe(200);
    const keyId = (await b.h.sluice.database.rows<{ id: string }>("select k.id from api_keys k join users u on u.id = k.user_id where u.email = $1", [alice.email]))[0]!.id;
    expect((await mallory.client.post(`/app/keys/${keyId}/revoke`, { _csrf: mallory.csrf })).status).toBe(404);
    expect((await mallory.client.post(`/app/keys/${keyId}/regenerate`, { _csrf: mallory.csrf })).status).toBe(404);
    expect((await b.h.sluice.database.rows<{ status: string }>("select status from api_keys where id = $1", [keyId]))[0]!.status).toBe("active");

    const checkout = await alice.client.post("/app/billing/checkout", { _csrf: alice.csrf, pack_id: "pack-50k" });
    expect(checkout.status).toBe(303);
    const orderPath = checkout.location!;
    expect((await alice.client.get(orderPath)).status).toBe(200);
    expect((await mallory.client.get(orderPath)).status).toBe(404);
    expect((await mallory.client.get(`${orderPath}/status`)).status).toBe(404);
    const invoice = (await b.h.sluice.database.rows<{ number: string }>("select number from invoices i join users u on u.id = i.user_id where u.email = $1", [alice.email]))[0]!.number;
    expect((await alice.client.get(`/app/billing/invoices/${invoice}`)).status).toBe(200);
    expect((await mallory.client.get(`/app/billing/invoices/${invoice}`)).status).toBe(404);
  });
});

describe("errors and routing", () => {
  test("pages answer errors in HTML; the APIs beside them keep their JSON", async () => {
    const u = await signUp(gateway);
    const missing = await u.client.get("/app/no-such-page");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("text/html");
    // A JSON body to a form route is refused as a page, not parsed by the API's JSON parser.
    const json = await u.client.request("POST", "/app/keys", { body: JSON.stringify({ name: "x" }) });
    expect(json.status).toBe(415);
    expect(json.headers.get("content-type")).toContain("text/html");

    const api = await fetch(`${gateway}/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe("unknown_route");
    const bad = await fetch(`${gateway}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer nope", "content-type": "application/json" }, body: "{" });
    expect(bad.headers.get("content-type")).toContain("application/json");

    const adminPage = await fetch(`${adminUrl}/admin/no-such-page`);
    expect(adminPage.status).toBe(404);
    expect(adminPage.headers.get("content-type")).toContain("text/html");
    const adminApi = await fetch(`${adminUrl}/admin/v1/no-such-route`, { headers: { authorization: "Bearer test-admin-token" } });
    expect(adminApi.status).toBe(404);
    expect(await adminApi.text()).toBe("NOT_FOUND");
  });

  test("the admin panel needs a session, and its session is no admin API token", async () => {
    const anon = new WebClient(adminUrl);
    const r = await anon.get("/admin/users");
    expect(r.status).toBe(303);
    expect(r.location).toBe("/admin/login?next=%2Fadmin%2Fusers");
    expect((await anon.post("/admin/models/gpt-5.5", { _csrf: "x", input_price: "1" })).status).toBe(303);

    const op = new WebClient(adminUrl);
    const login = await op.get("/admin/login");
    expect((await op.post("/admin/login", { _csrf: csrfOf(login.text), token: "wrong", name: "eve" })).status).toBe(401);
    expect((await op.post("/admin/login", { _csrf: csrfOf(login.text), token: "test-admin-token", name: "ops" })).status).toBe(303);
    expect((await op.get("/admin/users")).status).toBe(200);
    // The cookie opens the panel only; the API still wants the bearer token.
    const api = await fetch(`${adminUrl}/admin/v1/users`, { headers: { cookie: `sluice_admin_session=${op.cookies.get("sluice_admin_session")}` } });
    expect(api.status).toBe(401);

    const page = await op.get("/admin/health");
    expect(page.status).toBe(200);
    const out = await op.post("/admin/logout", { _csrf: csrfOf(page.text) });
    expect(out.location).toBe("/admin/login?bye=1");
    expect((await op.get("/admin/users")).status).toBe(303);
  });

  test("pages stay out of the OpenAPI document", async () => {
    const doc = (await (await fetch(`${gateway}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/app"))).toEqual([]);
    const adminDoc = (await (await fetch(`${adminUrl}/admin/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(adminDoc.paths).filter((p) => !p.startsWith("/admin/v1/") && p !== "/metrics")).toEqual([]);
  });
});
