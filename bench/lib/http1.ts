// A minimal HTTP/1.1 keep-alive client over one raw TCP socket, for latency measured without
// the overhead (and pooling decisions) of a full client: the time from writing the request
// to the first byte of the response body (TTFB; for a stream, its first event) and to the
// end of the response. Handles content-length and chunked bodies.

export interface Timing {
  status: number;
  ttfbMs: number;
  totalMs: number;
  body: string;
}

export interface RequestSpec {
  path: string;
  method?: string;
  headers: Record<string, string>;
  body: string;
}

export function encodeRequest(host: string, spec: RequestSpec): Uint8Array {
  const body = Buffer.from(spec.body);
  let head = `${spec.method ?? "POST"} ${spec.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\ncontent-length: ${body.length}\r\n`;
  for (const [k, v] of Object.entries(spec.headers)) head += `${k}: ${v}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`), body]);
}

type Pending = {
  started: number;
  ttfb: number;
  keepBody: boolean;
  resolve(t: Timing): void;
  reject(e: Error): void;
};

/** One connection; requests are sent one after the other, never pipelined. */
export class Http1Connection {
  private socket!: Awaited<ReturnType<typeof Bun.connect>>;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | null = null;
  private closed = false;

  private constructor(readonly host: string, readonly port: number) {}

  static async open(url: string): Promise<Http1Connection> {
    const u = new URL(url);
    const conn = new Http1Connection(u.hostname, Number(u.port));
    conn.socket = await Bun.connect({
      hostname: u.hostname,
      port: Number(u.port),
      socket: {
        data: (_s, data) => conn.onData(data),
        close: () => conn.onClose(),
        error: (_s, err) => conn.onClose(err),
      },
    });
    conn.socket.setNoDelay(true);
    return conn;
  }

  request(bytes: Uint8Array, keepBody = false): Promise<Timing> {
    if (this.closed) return Promise.reject(new Error("connection closed"));
    return new Promise<Timing>((resolve, reject) => {
      this.pending = { started: performance.now(), ttfb: -1, keepBody, resolve, reject };
      this.buf = Buffer.alloc(0);
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.end();
  }

  private onClose(err?: Error): void {
    this.closed = true;
    const p = this.pending;
    this.pending = null;
    p?.reject(err ?? new Error("connection closed by server"));
  }

  private onData(data: Buffer): void {
    const p = this.pending;
    if (!p) return;
    const now = performance.now();
    this.buf = this.buf.length === 0 ? Buffer.from(data) : Buffer.concat([this.buf, data]);
    const headEnd = this.buf.indexOf("\r\n\r\n");
    if (headEnd < 0) return;
    if (p.ttfb < 0 && this.buf.length > headEnd + 4) p.ttfb = now - p.started;
    const parsed = parseBody(this.buf, headEnd);
    if (!parsed) return;
    this.pending = null;
    if (p.ttfb < 0) p.ttfb = now - p.started;
    p.resolve({ status: parsed.status, ttfbMs: p.ttfb, totalMs: now - p.started, body: p.keepBody ? parsed.body() : "" });
  }
}

/** The complete response in buf, or null while incomplete. */
function parseBody(buf: Buffer, headEnd: number): { status: number; body(): string } | null {
  const head = buf.subarray(0, headEnd).toString("latin1");
  const status = Number(head.slice(9, 12));
  const start = headEnd + 4;
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) {
    const len = Number(cl[1]);
    if (buf.length < start + len) return null;
    return { status, body: () => buf.subarray(start, start + len).toString("utf8") };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(at, lineEnd).toString("latin1"), 16);
      if (Number.isNaN(size)) throw new Error("bad chunk size");
      const dataStart = lineEnd + 2;
      if (buf.length < dataStart + size + 2) return null;
      if (size === 0) return { status, body: () => Buffer.concat(parts).toString("utf8") };
      parts.push(buf.subarray(dataStart, dataStart + size));
      at = dataStart + size + 2;
    }
  }
  // No length, not chunked: only bodiless responses are expected here.
  return { status, body: () => "" };
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface SingleStats {
  p50Ms: number;
  p99Ms: number;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  iterations: number;
}

function stats(total: Float64Array, ttfb: Float64Array): SingleStats {
  total.sort();
  ttfb.sort();
  return {
    p50Ms: percentile(total, 50),
    p99Ms: percentile(total, 99),
    ttfbP50Ms: percentile(ttfb, 50),
    ttfbP99Ms: percentile(ttfb, 99),
    iterations: total.length,
  };
}

/**
 * Single-connection latency of two servers measured in alternating blocks, so that both see
 * the same machine state (CPU frequency, idle states, other processes): the difference of
 * their medians is the latency one adds over the other.
 */
export async function pairedSingleConnection(
  a: { url: string; spec: RequestSpec },
  b: { url: string; spec: RequestSpec },
  opts: { warmup: number; iterations: number; block?: number },
): Promise<{ a: SingleStats; b: SingleStats }> {
  const ca = await Http1Connection.open(a.url);
  const cb = await Http1Connection.open(b.url);
  const ba = encodeRequest(`${ca.host}:${ca.port}`, a.spec);
  const bb = encodeRequest(`${cb.host}:${cb.port}`, b.spec);
  const block = opts.block ?? 25;
  try {
    for (let i = 0; i < opts.warmup; i++) {
      await ca.request(ba);
      await cb.request(bb);
    }
    const res = [ca, cb].map(() => ({ total: new Float64Array(opts.iterations), ttfb: new Float64Array(opts.iterations) }));
    for (let done = 0; done < opts.iterations; done += block) {
      const end = Math.min(opts.iterations, done + block);
      for (const [k, conn, bytes] of [[0, ca, ba], [1, cb, bb]] as const) {
        for (let i = done; i < end; i++) {
          const t = await conn.request(bytes);
          if (t.status !== 200) throw new Error(`status ${t.status}`);
          res[k]!.total[i] = t.totalMs;
          res[k]!.ttfb[i] = t.ttfbMs;
        }
      }
    }
    return { a: stats(res[0]!.total, res[0]!.ttfb), b: stats(res[1]!.total, res[1]!.ttfb) };
  } finally {
    ca.close();
    cb.close();
  }
}

/** Sequential requests on one connection: p50/p99 of TTFB and total latency. */
export async function singleConnection(
  url: string,
  spec: RequestSpec,
  opts: { warmup: number; iterations: number },
): Promise<SingleStats> {
  const conn = await Http1Connection.open(url);
  const bytes = encodeRequest(`${conn.host}:${conn.port}`, spec);
  try {
    for (let i = 0; i < opts.warmup; i++) await conn.request(bytes);
    const total = new Float64Array(opts.iterations);
    const ttfb = new Float64Array(opts.iterations);
    for (let i = 0; i < opts.iterations; i++) {
      const t = await conn.request(bytes);
      if (t.status !== 200) throw new Error(`status ${t.status}`);
      total[i] = t.totalMs;
      ttfb[i] = t.ttfbMs;
    }
    return stats(total, ttfb);
  } finally {
    conn.close();
  }
}

/** One request, body kept: for the correctness check before a scenario is loaded. */
export async function oneRequest(url: string, spec: RequestSpec): Promise<Timing> {
  const conn = await Http1Connection.open(url);
  try {
    return await conn.request(encodeRequest(`${conn.host}:${conn.port}`, spec), true);
  } finally {
    conn.close();
  }
}
