// The PLAIN baseline: the least a Bun reverse proxy can do. Bun.serve + fetch, the request
// body read whole and forwarded, the upstream response (status, headers, streamed body)
// returned as is. What Sluice costs on top of this is Sluice's own work.
//
// `UPSTREAM=http://127.0.0.1:port bun bench/plain-proxy.ts` prints `BENCH_READY {"url":...}`.

const upstream = (process.env.UPSTREAM ?? "").replace(/\/+$/, "");
if (!upstream) throw new Error("UPSTREAM must be set");

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "content-length", "host"];

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: "127.0.0.1",
  idleTimeout: 255,
  async fetch(req) {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    for (const h of HOP_BY_HOP) headers.delete(h);
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    const res = await fetch(upstream + url.pathname + url.search, { method: req.method, headers, body });
    return new Response(res.body, { status: res.status, headers: res.headers });
  },
});

// Benchmark control, on its own port so it stays off the proxied path.
const control = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    if (new URL(req.url).pathname === "/gc") {
      Bun.gc(true);
      return Response.json({ rss: process.memoryUsage().rss });
    }
    return new Response("not found", { status: 404 });
  },
});

console.log(
  `BENCH_READY ${JSON.stringify({ url: `http://127.0.0.1:${server.port}`, controlUrl: `http://127.0.0.1:${control.port}`, pid: process.pid })}`,
);
