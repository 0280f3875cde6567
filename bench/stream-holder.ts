// Holds N streaming requests open at once (memory scenario). One raw TCP connection per
// stream; a stream counts as open once its first SSE event has arrived. Driven over
// stdin/stdout by the benchmark:
//   args: <url> <n> <request spec as JSON>
//   prints `BENCH_READY {...}`, then `OPENED {"open":n,"failed":k,"ms":t}` once every stream
//   is open (or has failed / timed out); on stdin "close" closes all and prints `CLOSED`.
import { encodeRequest, type RequestSpec } from "./lib/http1.ts";

const [url, nArg, specJson] = process.argv.slice(2);
const n = Number(nArg);
const spec = JSON.parse(specJson!) as RequestSpec;
const u = new URL(url!);
const bytes = encodeRequest(`${u.hostname}:${u.port}`, spec);

type Sock = Awaited<ReturnType<typeof Bun.connect>>;
const sockets: Sock[] = [];
let open = 0;
let failed = 0;
const BATCH = 250;

console.log(`BENCH_READY ${JSON.stringify({ pid: process.pid, n })}`);

async function openOne(): Promise<void> {
  await new Promise<void>((resolve) => {
    let seen = "";
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (ok) open++;
      else failed++;
      resolve();
    };
    Bun.connect({
      hostname: u.hostname,
      port: Number(u.port),
      socket: {
        open(s) {
          sockets.push(s);
          s.write(bytes);
        },
        data(_s, data) {
          if (done) return;
          seen += data.toString("latin1");
          if (!seen.startsWith("HTTP/1.1 200")) return finish(false);
          if (seen.includes("data:")) finish(true);
        },
        close: () => finish(false),
        error: () => finish(false),
        connectError: () => finish(false),
      },
    }).catch(() => finish(false));
  });
}

const started = performance.now();
const deadline = started + 120_000;
let next = 0;
async function worker(): Promise<void> {
  while (next < n && performance.now() < deadline) {
    next++;
    await openOne();
  }
}
await Promise.race([Promise.all(Array.from({ length: Math.min(BATCH, n) }, worker)), Bun.sleep(125_000)]);
console.log(`OPENED ${JSON.stringify({ open, failed, pendingOrUnstarted: n - open - failed, ms: Math.round(performance.now() - started) })}`);

for await (const line of console) {
  if (line.trim() === "close") {
    for (const s of sockets) s.end();
    await Bun.sleep(500);
    console.log("CLOSED");
    process.exit(0);
  }
}
