// Fetches a client-given image URL for an upstream that cannot fetch URLs itself, so the
// image can be inlined as base64. The gateway sits inside someone's network with cloud
// credentials one hop away, so the URL is treated as hostile:
// - http and https only, no credentials in the URL;
// - the host is resolved once and EVERY address must pass checkAddress (a name with one
//   public and one private address is refused: which one a connection gets is not ours to
//   choose), then the connection goes to the checked address itself, never to a second
//   lookup (DNS rebinding). The URL's host is rewritten to that address, the Host header
//   keeps the name, and for https the TLS server name (SNI and certificate check) keeps it
//   too, through Bun's `tls.serverName`;
// - redirects are followed by hand, at most 3, each hop checked like the first;
// - no proxy from the environment (a proxy would resolve the name again, unchecked);
// - a deadline over the whole exchange, a byte cap counted while streaming, and a
//   content type that must be an image (or a PDF when asked).
import { promises as dns } from "node:dns";
import { GatewayError } from "../errors.ts";
import { checkAddress } from "./address.ts";

export interface FetchImageOptions {
  /** Largest body accepted, in bytes (decoded). Default 20 MiB. */
  maxBytes?: number;
  /** Deadline for the whole fetch, redirects and body included. Default 10 s. */
  timeoutMs?: number;
  /** Redirects followed at most. Default 3. */
  maxRedirects?: number;
  /** Accept application/pdf as well as image/*. */
  allowPdf?: boolean;
  /** The request field the URL came from, named in errors (e.g. "messages[0].content[1].source.url"). */
  param?: string;
  /** Cancels the fetch (the client went away). */
  signal?: AbortSignal;
  /** TESTS ONLY: addresses accepted although checkAddress refuses them (a test server on 127.0.0.1). */
  allow?: (ip: string) => boolean;
  /** TESTS ONLY: name resolution, instead of the system resolver. */
  lookup?: (host: string) => Promise<string[]>;
  /** TESTS ONLY: a CA to trust for https (a self-signed test certificate). */
  ca?: string;
}

export interface FetchedImage {
  /** The response's media type, without parameters, e.g. "image/png". */
  mediaType: string;
  /** The body, base64. */
  data: string;
}

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_REDIRECTS = 3;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function fetchImageAsBase64(url: string, opts: FetchImageOptions = {}): Promise<FetchedImage> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const refuse = (reason: string) =>
    new GatewayError("invalid_request", `image URL refused: ${reason}`, { param: opts.param ?? null, code: "image_url_refused" });

  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const timedOut = () => refuse(`no complete answer within ${formatSeconds(timeoutMs)}`);

  let target = parseTarget(url, refuse);
  for (let hop = 0; ; hop++) {
    const where = hop === 0 ? "" : "redirect target ";
    const ip = await resolveChecked(target.hostname, opts, signal, where, refuse, timedOut);

    let res: Response;
    try {
      res = await fetch(connectUrl(target, ip), {
        method: "GET",
        headers: {
          host: target.host,
          accept: opts.allowPdf ? "image/*, application/pdf" : "image/*",
          "user-agent": "sluice-image-fetch/1",
        },
        redirect: "manual",
        signal,
        proxy: false,
        tls: isIpLiteral(target.hostname) ? tlsOptions(opts, undefined) : tlsOptions(opts, target.hostname),
      });
    } catch (err) {
      if (timeout.aborted) throw timedOut();
      if (opts.signal?.aborted) throw refuse("the request was cancelled");
      throw refuse(`could not connect (${errorName(err)})`);
    }

    if (REDIRECTS.has(res.status)) {
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get("location");
      if (!location) throw refuse(`redirect (${res.status}) without a Location`);
      if (hop >= maxRedirects) throw refuse(`more than ${maxRedirects} redirects`);
      let next: string;
      try {
        next = new URL(location, target).href;
      } catch {
        throw refuse("redirect to an invalid URL");
      }
      target = parseTarget(next, refuse, "redirect target ");
      continue;
    }

    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw refuse(`the server answered ${res.status}`);
    }

    const mediaType = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const acceptable = /^image\/[a-z0-9.+-]+$/.test(mediaType) || (opts.allowPdf === true && mediaType === "application/pdf");
    if (!acceptable) {
      await res.body?.cancel().catch(() => undefined);
      const wanted = opts.allowPdf ? "an image or a PDF" : "an image";
      throw refuse(`content type ${mediaType ? `'${mediaType}'` : "missing"}, not ${wanted}`);
    }

    const declared = Number(res.headers.get("content-length"));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw refuse(`larger than ${formatBytes(maxBytes)}`);
    }

    const bytes = await readCapped(res, maxBytes, () => refuse(`larger than ${formatBytes(maxBytes)}`), () =>
      timeout.aborted ? timedOut() : refuse("the connection broke off"),
    );
    return { mediaType, data: Buffer.from(bytes).toString("base64") };
  }
}

function parseTarget(raw: string, refuse: (reason: string) => GatewayError, where = ""): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw refuse(`${where}is not a valid URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw refuse(`${where}scheme '${u.protocol.replace(/:$/, "")}' is not allowed (only http and https)`);
  }
  if (u.username || u.password) throw refuse(`${where}carries credentials`);
  return u;
}

/**
 * The one address this hop connects to. WHATWG URL parsing has already turned decimal,
 * octal, hex and short IPv4 forms (2130706433, 0177.0.0.1, 0x7f.1, 127.1) into dotted
 * decimal, so an IP literal is checked as such; a name is resolved once and every answer
 * checked.
 */
async function resolveChecked(
  hostname: string,
  opts: FetchImageOptions,
  signal: AbortSignal,
  where: string,
  refuse: (reason: string) => GatewayError,
  timedOut: () => GatewayError,
): Promise<string> {
  const passes = (ip: string) => (opts.allow?.(ip) ? ({ ok: true } as const) : checkAddress(ip));
  if (isIpLiteral(hostname)) {
    const ip = unbracket(hostname);
    const verdict = passes(ip);
    if (!verdict.ok) throw refuse(`${where}is ${verdict.reason}`);
    return ip;
  }
  let addresses: string[];
  try {
    addresses = await abortable(opts.lookup ? opts.lookup(hostname) : systemLookup(hostname), signal);
  } catch (err) {
    if (signal.aborted) throw timedOut();
    throw refuse(`${where}host '${hostname}' does not resolve (${errorName(err)})`);
  }
  if (addresses.length === 0) throw refuse(`${where}host '${hostname}' does not resolve`);
  for (const ip of addresses) {
    const verdict = passes(ip);
    // The address stays out of the message: which internal address a name maps to is
    // itself worth knowing to someone probing the network.
    if (!verdict.ok) throw refuse(`${where}resolves to ${verdict.reason}`);
  }
  return addresses[0]!;
}

async function systemLookup(hostname: string): Promise<string[]> {
  const answers = await dns.lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function isIpLiteral(hostname: string): boolean {
  return hostname.startsWith("[") || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}

function unbracket(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

function connectUrl(target: URL, ip: string): string {
  const u = new URL(target.href);
  u.hostname = ip.includes(":") ? `[${ip}]` : ip;
  return u.href;
}

function tlsOptions(opts: FetchImageOptions, serverName: string | undefined): { serverName?: string; ca?: string } {
  const tls: { serverName?: string; ca?: string } = {};
  if (serverName) tls.serverName = serverName;
  if (opts.ca) tls.ca = opts.ca;
  return tls;
}

async function readCapped(
  res: Response,
  maxBytes: number,
  tooLarge: () => GatewayError,
  broken: () => GatewayError,
): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch {
      throw broken();
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(step.value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function errorName(err: unknown): string {
  if (err && typeof err === "object" && "code" in err && typeof err.code === "string") return err.code;
  return err instanceof Error ? err.name : "error";
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
