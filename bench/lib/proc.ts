// Child processes for the benchmark (each server under test runs in its own process, apart
// from the load generator) and what /proc says about them: CPU time and resident memory.
import { readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const ROOT = new URL("../..", import.meta.url).pathname;

let clockTicks: number | null = null;
function ticksPerSecond(): number {
  if (clockTicks !== null) return clockTicks;
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  return clockTicks;
}

/** User + system CPU time of a process (all its threads), in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / ticksPerSecond();
}

/** VmRSS (now) and VmHWM (peak) in bytes. */
export function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

/** Resets VmHWM to the current RSS (Linux clear_refs "5"), so a peak can be taken per run. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** The soft open-files limit a process actually runs with. */
export function openFilesLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  return m?.[1] === "unlimited" ? Infinity : Number(m?.[1] ?? NaN);
}

export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

export interface Child<T = Record<string, unknown>> {
  pid: number;
  info: T;
  /** The last lines the child printed (stdout and stderr), for error reports. */
  log(): string;
  /** Writes a line to the child's stdin. */
  send(line: string): void;
  /** Resolves with the first stdout line starting with `prefix` printed from now on. */
  waitFor(prefix: string, timeoutMs: number): Promise<string>;
  exited: Promise<number>;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Raise the open-files limit to this (or as high as allowed) before exec. */
  nofile?: number;
  /** Pin to these CPUs (taskset list, e.g. "1"). */
  cpus?: string;
  /** Extra arguments for bun itself (e.g. --cpu-prof). */
  bunArgs?: string[];
  args?: string[];
  readyTimeoutMs?: number;
}

// Children must not outlive the benchmark, even when it fails or is interrupted.
const live = new Set<{ kill(signal?: number | NodeJS.Signals): void }>();
process.on("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

/**
 * Starts `bun <script>` and waits for its `BENCH_READY <json>` line. The process is exec'd
 * through `sh` only to raise `ulimit -n`, and through `taskset` to pin it, so its pid is
 * the bun process itself (what /proc is read for).
 */
export async function spawnBun<T = Record<string, unknown>>(script: string, opts: SpawnOptions = {}): Promise<Child<T>> {
  const bun = process.execPath;
  let cmd = [bun, ...(opts.bunArgs ?? []), script, ...(opts.args ?? [])];
  if (opts.nofile) {
    const want = opts.nofile;
    cmd = ["sh", "-c", `ulimit -n ${want} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`, "sh", ...cmd];
  }
  if (opts.cpus && hasCommand("taskset")) cmd = ["taskset", "-c", opts.cpus, ...cmd];
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env } as Record<string, string>,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });

  live.add(proc);
  void proc.exited.then(() => live.delete(proc));

  const lines: string[] = [];
  const waiters: { prefix: string; resolve(line: string): void }[] = [];
  const remember = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  const pump = async (stream: ReadableStream<Uint8Array>, isStdout: boolean) => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of stream) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        remember(line);
        if (isStdout) {
          const i = waiters.findIndex((w) => line.startsWith(w.prefix));
          if (i >= 0) waiters.splice(i, 1)[0]!.resolve(line);
        }
        if (process.env.BENCH_VERBOSE) console.error(`  [${script}] ${line}`);
      }
    }
  };
  void pump(proc.stdout, true);
  void pump(proc.stderr, false);

  const log = () => lines.slice(-40).join("\n");
  const waitFor = (prefix: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: no "${prefix}" within ${timeoutMs} ms\n${log()}`)), timeoutMs);
      waiters.push({
        prefix,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code} before "${prefix}"\n${log()}`));
      });
    });

  const ready = await waitFor("BENCH_READY ", opts.readyTimeoutMs ?? 60_000);
  const info = JSON.parse(ready.slice("BENCH_READY ".length)) as T;
  return {
    pid: proc.pid,
    info,
    log,
    send(line) {
      proc.stdin.write(`${line}\n`);
      proc.stdin.flush();
    },
    waitFor,
    exited: proc.exited,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await proc.exited;
      clearTimeout(t);
    },
  };
}
