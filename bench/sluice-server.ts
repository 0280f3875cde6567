// One Sluice (gateway + admin + ledger flusher) as its own process, configured from the
// environment exactly like `npm start` (loadConfig), on ephemeral ports. Next to it a small
// control server for the benchmark driver: ledger lag sampling, GC, graceful exit (so that
// `bun --cpu-prof` can write its profile).
//
// Prints `BENCH_READY {"gatewayUrl","adminUrl","controlUrl","pid","store"}` once listening.
import { loadConfig } from "../src/config.ts";
import { startSluice } from "../src/server.ts";

const sluice = await startSluice(loadConfig(process.env), { ephemeralPorts: true });

interface LagStats {
  samples: number;
  maxPending: number;
  maxOldestAgeMs: number;
  lastPending: number;
  lastOldestAgeMs: number;
}
const fresh = (): LagStats => ({ samples: 0, maxPending: 0, maxOldestAgeMs: 0, lastPending: 0, lastOldestAgeMs: 0 });
let lag = fresh();
let sampler: ReturnType<typeof setInterval> | null = null;

async function sampleLag(): Promise<void> {
  const l = await sluice.store.ledgerLag(Date.now());
  lag.samples++;
  lag.lastPending = l.pending;
  lag.lastOldestAgeMs = l.oldestAgeMs;
  lag.maxPending = Math.max(lag.maxPending, l.pending);
  lag.maxOldestAgeMs = Math.max(lag.maxOldestAgeMs, l.oldestAgeMs);
}

const control = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const path = new URL(req.url).pathname;
    switch (path) {
      case "/lag/start":
        lag = fresh();
        sampler ??= setInterval(() => void sampleLag().catch(() => {}), 250);
        return Response.json({ ok: true });
      case "/lag/stop":
        if (sampler) clearInterval(sampler);
        sampler = null;
        await sampleLag();
        return Response.json(lag);
      case "/stats":
        return Response.json({ flushed: sluice.flusher.flushed, lag: await sluice.store.ledgerLag(Date.now()), memory: process.memoryUsage() });
      case "/gc":
        Bun.gc(true);
        return Response.json({ rss: process.memoryUsage().rss });
      case "/drain": {
        // Waits until the flusher has written everything (end-of-run lag check).
        const started = Date.now();
        for (;;) {
          const l = await sluice.store.ledgerLag(Date.now());
          if (l.pending === 0 || Date.now() - started > 30_000) return Response.json({ ...l, waitedMs: Date.now() - started });
          await Bun.sleep(50);
        }
      }
      case "/exit":
        setTimeout(async () => {
          if (sampler) clearInterval(sampler);
          await sluice.stop().catch((err: unknown) => console.error("[bench] stop failed:", err));
          control.stop(true);
          process.exit(0);
        }, 10);
        return Response.json({ ok: true });
      default:
        return new Response("not found", { status: 404 });
    }
  },
});

process.on("SIGTERM", () => {
  void sluice.stop().finally(() => process.exit(0));
});

console.log(
  `BENCH_READY ${JSON.stringify({
    gatewayUrl: sluice.gatewayUrl,
    adminUrl: sluice.adminUrl,
    controlUrl: `http://127.0.0.1:${control.port}`,
    pid: process.pid,
    store: sluice.store.kind,
    database: sluice.database.kind,
  })}`,
);
