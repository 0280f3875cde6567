// The SSRF guard end to end. Every refused URL is refused before a connection is opened,
// so the private and metadata addresses in these tables are never contacted. The servers
// that do answer listen on loopback only, and are reachable solely because a test injects
// an allowlist for their address.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GatewayError } from "../errors.ts";
import { fetchImageAsBase64, type FetchImageOptions } from "./fetch-image.ts";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

interface Seen {
  path: string;
  host: string | null;
}

/** The image server, on 127.0.0.1. */
let main: ReturnType<typeof Bun.serve>;
/** A second server on 127.0.0.2, for redirects that must not reach 127.0.0.1. */
let other: ReturnType<typeof Bun.serve>;
const seenMain: Seen[] = [];
const seenOther: Seen[] = [];

function imageServer(hostname: string, seen: Seen[]) {
  return Bun.serve({
    hostname,
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      seen.push({ path: url.pathname, host: req.headers.get("host") });
      const p = url.pathname;
      if (p === "/cat.png") return new Response(PNG, { headers: { "content-type": "image/png" } });
      if (p === "/photo.jpg") return new Response(PNG, { headers: { "content-type": "IMAGE/JPEG; charset=binary" } });
      if (p === "/doc.pdf") return new Response("%PDF-1.4\n%%EOF\n", { headers: { "content-type": "application/pdf" } });
      if (p === "/page.html") return new Response("<html></html>", { headers: { "content-type": "text/html" } });
      if (p === "/no-type") return new Response(PNG);
      if (p === "/big-declared") return new Response(new Uint8Array(2048), { headers: { "content-type": "image/png" } });
      if (p === "/big-streamed") {
        // No content-length: only counting while streaming can catch it.
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent >= 4096) return c.close();
            sent += 512;
            c.enqueue(new Uint8Array(512));
          },
        });
        return new Response(body, { headers: { "content-type": "image/png" } });
      }
      if (p === "/slow-headers") {
        await Bun.sleep(1500);
        return new Response(PNG, { headers: { "content-type": "image/png" } });
      }
      if (p === "/slow-body") {
        const body = new ReadableStream<Uint8Array>({
          async pull(c) {
            c.enqueue(new Uint8Array(8));
            await Bun.sleep(1500);
            c.close();
          },
        });
        return new Response(body, { headers: { "content-type": "image/png" } });
      }
      if (p === "/missing") return new Response("nope", { status: 404 });
      if (p === "/redirect") {
        const to = url.searchParams.get("to") ?? "/cat.png";
        return new Response(null, { status: Number(url.searchParams.get("status") ?? 302), headers: { location: to } });
      }
      if (p.startsWith("/chain/")) {
        const n = Number(p.slice("/chain/".length));
        return n <= 0 ? new Response(PNG, { headers: { "content-type": "image/png" } }) : Response.redirect(`/chain/${n - 1}`, 302);
      }
      if (p === "/redirect-no-location") return new Response(null, { status: 302 });
      return new Response("not found", { status: 404 });
    },
  });
}

beforeAll(() => {
  main = imageServer("127.0.0.1", seenMain);
  other = imageServer("127.0.0.2", seenOther);
});
afterAll(() => {
  main.stop(true);
  other.stop(true);
});

const onlyMain: FetchImageOptions = { allow: (ip) => ip === "127.0.0.1" };
const onlyOther: FetchImageOptions = { allow: (ip) => ip === "127.0.0.2" };

async function refusal(url: string, opts: FetchImageOptions = {}): Promise<GatewayError> {
  const err = await fetchImageAsBase64(url, opts).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof GatewayError)) throw new Error(`expected a GatewayError for ${url}, got ${String(err)}`);
  expect(err.status).toBe(400);
  expect(err.extra.code).toBe("image_url_refused");
  return err;
}

describe("WHATWG URL parsing normalises every IPv4 spelling before the guard sees it", () => {
  test.each([
    ["http://2130706433/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f.1/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://017700000001/", "127.0.0.1"],
    ["http://%31%32%37.0.0.1/", "127.0.0.1"],
    ["http://１２７.0.0.1/", "127.0.0.1"],
    ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
    ["http://[0:0:0:0:0:0:0:1]/", "[::1]"],
  ])("%s -> %s", (url, host) => {
    expect(new URL(url).hostname).toBe(host);
  });
});

describe("SSRF: refused before any connection, with the reason", () => {
  const privateName = async (host: string) => (host === "internal.example.test" ? ["10.0.0.1"] : ["93.184.216.34"]);
  const mixedName = async () => ["93.184.216.34", "10.0.0.1"];
  const metadataName = async () => ["169.254.169.254"];
  const cases: [string, string, FetchImageOptions][] = [
    ["http://127.0.0.1/a.png", "image URL refused: is a loopback address", {}],
    ["http://10.0.0.1/a.png", "image URL refused: is a private address", {}],
    ["http://172.16.3.4/a.png", "image URL refused: is a private address", {}],
    ["http://192.168.0.1/a.png", "image URL refused: is a private address", {}],
    ["http://169.254.169.254/latest/meta-data/", "image URL refused: is a cloud metadata address", {}],
    ["http://100.64.1.1/a.png", "image URL refused: is a shared (CGNAT) address", {}],
    ["http://0.0.0.0/a.png", "image URL refused: is an unspecified address", {}],
    ["http://[::1]/a.png", "image URL refused: is a loopback address", {}],
    ["http://[::ffff:127.0.0.1]/a.png", "image URL refused: is a loopback address (IPv4-mapped IPv6)", {}],
    ["http://[::ffff:a9fe:a9fe]/", "image URL refused: is a cloud metadata address (IPv4-mapped IPv6)", {}],
    ["http://[fd00:ec2::254]/latest/meta-data/", "image URL refused: is a cloud metadata address", {}],
    ["http://[fe80::1]/a.png", "image URL refused: is a link-local address", {}],
    ["http://[fc00::1]/a.png", "image URL refused: is a private (unique-local) address", {}],
    ["http://[64:ff9b::10.0.0.1]/a.png", "image URL refused: is a private address (NAT64)", {}],
    ["http://2130706433/a.png", "image URL refused: is a loopback address", {}],
    ["http://0177.0.0.1/a.png", "image URL refused: is a loopback address", {}],
    ["http://0x7f.1/a.png", "image URL refused: is a loopback address", {}],
    ["http://0xa9fea9fe/", "image URL refused: is a cloud metadata address", {}],
    ["http://localhost/a.png", "image URL refused: resolves to a loopback address", {}],
    ["http://internal.example.test/a.png", "image URL refused: resolves to a private address", { lookup: privateName }],
    ["http://two-faced.example.test/a.png", "image URL refused: resolves to a private address", { lookup: mixedName }],
    ["http://metadata.example.test/", "image URL refused: resolves to a cloud metadata address", { lookup: metadataName }],
    ["ftp://example.com/a.png", "image URL refused: scheme 'ftp' is not allowed (only http and https)", {}],
    ["file:///etc/passwd", "image URL refused: scheme 'file' is not allowed (only http and https)", {}],
    ["gopher://example.com/", "image URL refused: scheme 'gopher' is not allowed (only http and https)", {}],
    ["data:image/png;base64,AAAA", "image URL refused: scheme 'data' is not allowed (only http and https)", {}],
    ["http://user:pass@example.com/a.png", "image URL refused: carries credentials", {}],
    ["not a url", "image URL refused: is not a valid URL", {}],
  ];
  test.each(cases)("%s", async (url, message, opts) => {
    const before = seenMain.length + seenOther.length;
    const err = await refusal(url, opts);
    expect(err.message).toBe(message);
    expect(seenMain.length + seenOther.length).toBe(before);
  });

  test("the field the URL came from is named in the error", async () => {
    const err = await refusal("http://127.0.0.1/", { param: "messages[0].content[1].source.url" });
    expect(err.extra.param).toBe("messages[0].content[1].source.url");
  });
});

describe("a public-shaped URL on the test server", () => {
  test("is accepted only because the test allows its address, connecting to the checked address with the name as Host", async () => {
    const port = main.port;
    const lookup = async (host: string) => (host === "images.example.test" ? ["127.0.0.1"] : []);
    const url = `http://images.example.test:${port}/cat.png`;
    const refused = await refusal(url, { lookup });
    expect(refused.message).toBe("image URL refused: resolves to a loopback address");

    const before = seenMain.length;
    const got = await fetchImageAsBase64(url, { ...onlyMain, lookup });
    expect(got).toEqual({ mediaType: "image/png", data: PNG.toString("base64") });
    expect(seenMain.slice(before)).toEqual([{ path: "/cat.png", host: `images.example.test:${port}` }]);
  });

  test("the media type loses its parameters and its case", async () => {
    const got = await fetchImageAsBase64(`http://127.0.0.1:${main.port}/photo.jpg`, onlyMain);
    expect(got.mediaType).toBe("image/jpeg");
  });

  test("a name resolves once: the checked answer is the one connected to", async () => {
    let calls = 0;
    const rebinding = async () => (++calls === 1 ? ["127.0.0.1"] : ["10.0.0.1"]);
    await fetchImageAsBase64(`http://rebind.example.test:${main.port}/cat.png`, { ...onlyMain, lookup: rebinding });
    expect(calls).toBe(1);
  });
});

describe("redirects", () => {
  test("to 127.0.0.1 from an allowed server is refused, and 127.0.0.1 is never contacted", async () => {
    const before = seenMain.length;
    const to = encodeURIComponent(`http://127.0.0.1:${main.port}/cat.png`);
    const err = await refusal(`http://127.0.0.2:${other.port}/redirect?to=${to}`, onlyOther);
    expect(err.message).toBe("image URL refused: redirect target is a loopback address");
    expect(seenMain.length).toBe(before);
  });

  test.each([
    [`http://localhost/cat.png`, "image URL refused: redirect target resolves to a loopback address"],
    [`http://169.254.169.254/latest/meta-data/iam/`, "image URL refused: redirect target is a cloud metadata address"],
    [`http://[::1]/x`, "image URL refused: redirect target is a loopback address"],
    [`http://2130706433/x`, "image URL refused: redirect target is a loopback address"],
    [`file:///etc/passwd`, "image URL refused: redirect target scheme 'file' is not allowed (only http and https)"],
  ])("to %s is refused", async (target, message) => {
    const err = await refusal(`http://127.0.0.2:${other.port}/redirect?to=${encodeURIComponent(target)}&status=307`, onlyOther);
    expect(err.message).toBe(message);
  });

  test("relative redirects are followed, each hop re-checked; 3 hops pass", async () => {
    const before = seenOther.length;
    const got = await fetchImageAsBase64(`http://127.0.0.2:${other.port}/chain/3`, onlyOther);
    expect(got.mediaType).toBe("image/png");
    expect(seenOther.slice(before).map((s) => s.path)).toEqual(["/chain/3", "/chain/2", "/chain/1", "/chain/0"]);
  });

  test("a 4th redirect is refused", async () => {
    const err = await refusal(`http://127.0.0.2:${other.port}/chain/4`, onlyOther);
    expect(err.message).toBe("image URL refused: more than 3 redirects");
  });

  test("a redirect without Location is refused", async () => {
    const err = await refusal(`http://127.0.0.2:${other.port}/redirect-no-location`, onlyOther);
    expect(err.message).toBe("image URL refused: redirect (302) without a Location");
  });
});

describe("what comes back", () => {
  const base = () => `http://127.0.0.1:${main.port}`;

  test("a declared size over the cap is refused before the body is read", async () => {
    const err = await refusal(`${base()}/big-declared`, { ...onlyMain, maxBytes: 1024 });
    expect(err.message).toBe("image URL refused: larger than 1024 bytes");
  });

  test("an undeclared size is counted while streaming", async () => {
    const err = await refusal(`${base()}/big-streamed`, { ...onlyMain, maxBytes: 1024 });
    expect(err.message).toBe("image URL refused: larger than 1024 bytes");
    const ok = await fetchImageAsBase64(`${base()}/big-streamed`, { ...onlyMain, maxBytes: 4096 });
    expect(Buffer.from(ok.data, "base64").length).toBe(4096);
  });

  test.each([
    ["/page.html", "image URL refused: content type 'text/html', not an image"],
    ["/no-type", "image URL refused: content type 'application/octet-stream', not an image"],
    ["/doc.pdf", "image URL refused: content type 'application/pdf', not an image"],
    ["/missing", "image URL refused: the server answered 404"],
  ])("%s is refused", async (path, message) => {
    const err = await refusal(`${base()}${path}`, onlyMain);
    expect(err.message).toBe(message);
  });

  test("a PDF passes when asked for", async () => {
    const got = await fetchImageAsBase64(`${base()}/doc.pdf`, { ...onlyMain, allowPdf: true });
    expect(got.mediaType).toBe("application/pdf");
    expect(Buffer.from(got.data, "base64").toString()).toStartWith("%PDF");
  });

  test.each(["/slow-headers", "/slow-body"])("%s times out", async (path) => {
    const started = Date.now();
    const err = await refusal(`${base()}${path}`, { ...onlyMain, timeoutMs: 300 });
    expect(err.message).toBe("image URL refused: no complete answer within 300 ms");
    expect(Date.now() - started).toBeLessThan(1400);
  });

  test("a slow resolver counts against the deadline too", async () => {
    const err = await refusal("http://slow-dns.example.test/a.png", { lookup: () => Bun.sleep(2000).then(() => ["93.184.216.34"]), timeoutMs: 200 });
    expect(err.message).toBe("image URL refused: no complete answer within 200 ms");
  });
});

// https with the connection going to the checked IP: the certificate must still be verified
// against the name, and the name must go out as SNI. The server below has a default
// certificate for another name and serves img.example.test's only when SNI asks for it.
const openssl = Bun.which("openssl");
describe.skipIf(!openssl)("https keeps the name for SNI and certificate checks", () => {
  let tlsServer: ReturnType<typeof Bun.serve>;
  let ca = "";

  function selfSigned(dir: string, name: string): { cert: string; key: string } {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.crt`);
    const r = Bun.spawnSync([openssl!, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`]);
    if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
    return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  }

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), "fetch-guard-tls-"));
    const fallback = selfSigned(dir, "default.example.test");
    const img = selfSigned(dir, "img.example.test");
    ca = fallback.cert + img.cert;
    tlsServer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: [fallback, { ...img, serverName: "img.example.test" }],
      fetch: () => new Response(PNG, { headers: { "content-type": "image/png" } }),
    });
  }, 30_000);
  afterAll(() => tlsServer?.stop(true));

  test("the name's certificate is served (SNI) and verified, while connecting to 127.0.0.1", async () => {
    const lookup = async () => ["127.0.0.1"];
    const got = await fetchImageAsBase64(`https://img.example.test:${tlsServer.port}/cat.png`, { ...onlyMain, lookup, ca });
    expect(got.mediaType).toBe("image/png");
  });

  test("a certificate for another name is refused", async () => {
    const lookup = async () => ["127.0.0.1"];
    const err = await refusal(`https://elsewhere.example.test:${tlsServer.port}/cat.png`, { ...onlyMain, lookup, ca });
    expect(err.message).toStartWith("image URL refused: could not connect");
  });
});
