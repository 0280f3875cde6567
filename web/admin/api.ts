// The admin panel's way to change anything: the admin API itself, called in-process. A
// private instance of createAdminApp is built with a token only this process knows, so
// every validation, audit entry, catalog broadcast and error message is the API's own.
import { randomBytes } from "node:crypto";
import { createAdminApp, type AdminDeps } from "../../admin/app.ts";
import { sha256Hex } from "../../db/admin-token.ts";

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; message: string };

type JsonBody = Record<string, string | number | boolean | null | string[] | undefined>;

export class AdminApi {
  private readonly secret = randomBytes(32).toString("base64url");
  private app: ReturnType<typeof createAdminApp> | null = null;

  constructor(private readonly deps: () => AdminDeps) {}

  private instance() {
    // Built on first use: the panel is also constructed where the deps are placeholders.
    this.app ??= createAdminApp({ ...this.deps(), adminTokenHash: sha256Hex(this.secret) });
    return this.app;
  }

  private async send(method: string, path: string, actor: string, body?: JsonBody, accept = "application/json"): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.secret}`, "x-admin-actor": actor, accept };
    if (body !== undefined) headers["content-type"] = "application/json";
    const clean = body === undefined ? undefined : JSON.stringify(Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)));
    return this.instance().handle(new Request(`http://admin.internal/admin/v1${path}`, { method, headers, body: clean }));
  }

  /** Calls the API; the JSON is the API's documented shape for that path, typed by the caller. */
  async call<T>(method: string, path: string, actor: string, body?: JsonBody): Promise<ApiResult<T>> {
    const res = await this.send(method, path, actor, body);
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok) return { ok: true, status: res.status, data: parsed as T };
    const message = isErrorBody(parsed) ? parsed.error.message : `The admin API answered ${res.status}.`;
    return { ok: false, status: res.status, message };
  }

  get<T>(path: string, actor: string): Promise<ApiResult<T>> {
    return this.call<T>("GET", path, actor);
  }

  /** A GET that must succeed for the page to make sense; failures become the page's error. */
  async must<T>(path: string, actor: string): Promise<T> {
    const r = await this.get<T>(path, actor);
    if (!r.ok) throw new ApiFailure(r.status, r.message);
    return r.data;
  }

  /** The printable HTML of a document, as GET /invoices/{number}?format=html renders it. */
  async documentHtml(number: string, actor: string): Promise<{ status: number; body: string }> {
    const res = await this.send("GET", `/invoices/${encodeURIComponent(number)}?format=html`, actor, undefined, "text/html");
    return { status: res.status, body: await res.text() };
  }
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function isErrorBody(v: unknown): v is { error: { message: string } } {
  if (typeof v !== "object" || v === null || !("error" in v)) return false;
  const e = (v as { error: unknown }).error;
  return typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string";
}

/** Path segment of a resource id (model ids hold slashes and dots). */
export function seg(id: string): string {
  return encodeURIComponent(id);
}
