// Closed-loop load with autocannon's programmatic API: a fixed number of keep-alive
// connections for a fixed time, after a warm-up run of the same shape. Latencies are
// recorded from autocannon's per-response event with sub-millisecond precision (its own
// histogram keeps whole milliseconds only).
import autocannon from "autocannon";
import { percentile, type RequestSpec } from "./http1.ts";

export interface LoadResult {
  durationS: number;
  requests: number;
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  bytesPerResponse: number;
}

function run(url: string, spec: RequestSpec, connections: number, durationS: number, record: boolean): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16);
    let n = 0;
    let bytes = 0;
    const instance = autocannon(
      {
        url: url + spec.path,
        method: (spec.method ?? "POST") as "POST",
        headers: spec.headers,
        body: spec.body,
        connections,
        duration: durationS,
        pipelining: 1,
        timeout: 30,
      },
      (err, result) => {
        if (err) return reject(err);
        const sorted = latencies.subarray(0, n).sort();
        const ok = result["2xx"];
        resolve({
          durationS: result.duration,
          requests: ok,
          rps: ok / result.duration,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          p50Ms: percentile(sorted, 50),
          p90Ms: percentile(sorted, 90),
          p99Ms: percentile(sorted, 99),
          maxMs: n ? sorted[n - 1]! : NaN,
          bytesPerResponse: n ? bytes / n : 0,
        });
      },
    );
    if (record) {
      instance.on("response", (_client: unknown, status: number, resBytes: number, responseTime: number) => {
        if (status < 200 || status >= 300) return;
        if (n === latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[n++] = responseTime;
        bytes += resBytes;
      });
    }
  });
}

export async function warmup(url: string, spec: RequestSpec, connections: number, durationS: number): Promise<LoadResult> {
  return run(url, spec, connections, durationS, false);
}

export async function load(url: string, spec: RequestSpec, connections: number, durationS: number): Promise<LoadResult> {
  return run(url, spec, connections, durationS, true);
}
