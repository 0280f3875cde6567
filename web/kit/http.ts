// Responses and requests of the consoles: HTML with strict security headers, redirects,
// size-capped form bodies, the caller's address.
import type { Html } from "./html.ts";

/**
 * No inline script or style anywhere, so an injected tag cannot run; images may be data:
 * URLs (the QRIS PNG). Pages are per-user, hence no-store.
 */
const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

/** Printable documents carry their own <style>; they still run no script but ours. */
const DOCUMENT_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface ResponseInit {
  status?: number;
  cookies?: string[];
  headers?: Record<string, string>;
}

function headersOf(init: ResponseInit, base: Record<string, string>): Headers {
  const headers = new Headers({ ...base, ...init.headers });
  for (const c of init.cookies ?? []) headers.append("set-cookie", c);
  return headers;
}

export function htmlResponse(body: Html | string, init: ResponseInit = {}): Response {
  return new Response(typeof body === "string" ? body : body.value, { status: init.status ?? 200, headers: headersOf(init, PAGE_HEADERS) });
}

export function documentResponse(markup: string, init: ResponseInit = {}): Response {
  return new Response(markup, { status: init.status ?? 200, headers: headersOf(init, { ...PAGE_HEADERS, "content-security-policy": DOCUMENT_CSP }) });
}

export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: headersOf(init, { "content-type": "application/json", "cache-control": "no-store", "x-content-type-options": "nosniff" }),
  });
}

/** 303 so the browser follows with GET: a reload never re-submits the form. */
export function redirect(location: string, init: ResponseInit = {}): Response {
  return new Response(null, { status: 303, headers: headersOf({ ...init, headers: { ...init.headers, location } }, { "cache-control": "no-store" }) });
}

export class FormError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_FORM_BYTES = 64 * 1024;

/** The urlencoded body of a form post; the routes take parse: "none", so this is the only parser. */
export async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new FormError(415, "Forms are sent as application/x-www-form-urlencoded.");
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_FORM_BYTES) throw new FormError(413, "The form is too large.");
  const text = await request.text();
  if (text.length > MAX_FORM_BYTES) throw new FormError(413, "The form is too large.");
  return new URLSearchParams(text);
}

/** A field's trimmed value, "" when absent. */
export function field(form: URLSearchParams, name: string): string {
  return (form.get(name) ?? "").trim();
}

/** What Elysia passes as `server`: Bun's server knows each request's peer. */
export interface AddressSource {
  requestIP(request: Request): { address: string } | null;
}

/**
 * The client's address. By default the peer of the connection: X-Forwarded-For can be sent
 * by anyone, and a rate limit keyed on it would be a rate limit on nothing. Behind
 * `trustedHops` proxies of our own (TRUST_PROXY_HOPS), each of which appends the address it
 * saw, the client is the entry that many places from the right; a request with fewer entries
 * did not come through them, and its peer is used.
 */
export function clientIp(server: AddressSource | null | undefined, request: Request, trustedHops = 0): string {
  if (trustedHops > 0) {
    const chain = (request.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const client = chain[chain.length - trustedHops];
    if (client !== undefined) return client;
  }
  return server?.requestIP(request)?.address ?? "unknown";
}

/** Behind a TLS-terminating proxy the request URL is http; the proxy says so in a header. */
export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
}

/** A same-site path to return to after signing in; anything else falls back. */
export function safeNext(next: string | null, prefix: string, fallback: string): string {
  if (!next || !next.startsWith(`${prefix}/`) || next.startsWith("//") || next.includes("\\")) return fallback;
  return next;
}
