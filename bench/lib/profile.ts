// Reads a V8/JSC `.cpuprofile` (what `bun --cpu-prof` writes) and sums self time per
// function and per source file, so the hot spots can be named precisely (file:line function).
import { readFileSync } from "node:fs";

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  where: string;
  selfMs: number;
  selfPct: number;
  /** Share of non-idle samples. */
  busyPct: number;
}

export interface ProfileSummary {
  /** Before the first and after the last request-handling sample: start-up and shutdown, left out. */
  outsideMs: number;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  functions: ProfileLine[];
  files: ProfileLine[];
  groups: ProfileLine[];
  /** Self + descendants time of selected frames (first match per stack). */
  inclusive: ProfileLine[];
}

function shortUrl(url: string, root: string): string {
  if (!url) return "(native)";
  let u = url.replace(/^file:\/\//, "");
  if (u.startsWith(root)) u = u.slice(root.length);
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) u = u.slice(nm);
  return u;
}

function group(url: string, name: string): string {
  if (!url) return name.startsWith(".wasm-function") ? "PGlite (WASM)" : "native / runtime (no JS frame)";
  if (url.includes("node_modules/@electric-sql/pglite")) return "PGlite (JS)";
  if (url.includes("node_modules/drizzle-orm")) return "drizzle-orm";
  if (url.includes("node_modules/prom-client")) return "prom-client";
  if (url.includes("node_modules/elysia")) return "elysia";
  if (url.includes("node_modules/ioredis") || url.includes("node_modules/@ioredis") || url.includes("node_modules/redis-")) return "ioredis";
  if (url.includes("node_modules/@sinclair/typebox")) return "typebox";
  if (url.includes("node_modules/exact-mirror")) return "exact-mirror";
  if (url.includes("node_modules/")) return "other node_modules";
  if (url.startsWith("node:") || url.startsWith("bun:") || url.includes("builtin") || !url.includes("/")) return "bun builtins (JS)";
  const m = /\/(src\/[a-z-]+|db|admin|bench)\//.exec(url);
  return m ? m[1]! : "other";
}

export function summarizeProfile(path: string, root: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map<number, CpuProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  // Only the load counts: start-up (the PGlite worker's WASM compile, migrations) and shutdown
  // show up as a few samples followed by gaps of seconds, which would otherwise be billed as
  // "native" busy time. The window runs from the first to the last sample inside request
  // handling (under handleCompletion; every profiled workload is a completion).
  const inRequest = new Map<number, boolean>();
  const handlesRequest = (id: number): boolean => {
    let v = inRequest.get(id);
    if (v === undefined) {
      const node = byId.get(id)!;
      const p = parent.get(id);
      v = (/\/src\/http\/completions\.ts$/.test(node.callFrame.url) && node.callFrame.functionName.startsWith("handle")) || (p !== undefined && handlesRequest(p));
      inRequest.set(id, v);
    }
    return v;
  };
  let first = profile.samples.findIndex((id) => handlesRequest(id));
  let last = profile.samples.findLastIndex((id) => handlesRequest(id));
  if (first < 0) [first, last] = [0, profile.samples.length - 1];
  let outsideUs = 0;
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = Math.max(0, profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0);
    if (i < first || i > last) {
      outsideUs += dt;
      continue;
    }
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }

  let totalUs = 0;
  let idleUs = 0;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const file = new Map<string, number>();
  const grp = new Map<string, number>();
  const incl = new Map<string, number>();
  const inclusiveTargets: [string, RegExp][] = [
    ["handleCompletion (src/http/completions.ts)", /src\/http\/completions\.ts$/],
    ["relaySse stream pull (src/http/stream-relay.ts)", /src\/http\/stream-relay\.ts$/],
    ["rewriteModelField (src/protocols/model-field.ts)", /src\/protocols\/model-field\.ts$/],
    ["SseFramer (src/protocols/sse.ts)", /src\/protocols\/sse\.ts$/],
    ["KeyAuthenticator (src/http/auth.ts)", /src\/http\/auth\.ts$/],
    ["hot store (src/store)", /src\/store\//],
    ["elysia (router, handler, hooks)", /node_modules\/elysia\//],
    ["typebox validation", /node_modules\/@sinclair\/typebox\//],
    ["LedgerFlusher (db/flusher.ts, incl. drizzle + driver)", /db\/flusher\.ts$/],
    ["drizzle-orm", /node_modules\/drizzle-orm\//],
    ["PGlite (JS and the WASM under it)", /node_modules\/@electric-sql\/pglite\//],
    ["metrics (src/observability + prom-client)", /src\/observability\/|node_modules\/prom-client\//],
    ["ioredis", /node_modules\/(@?ioredis|redis-parser|denque|cluster-key-slot)/],
  ];

  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    if (functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    const name = functionName || "(anonymous)";
    const where = url ? `${shortUrl(url, root)}:${lineNumber + 1}` : "";
    const k = `${name}@${where}`;
    const e = fn.get(k) ?? { name, where, us: 0 };
    e.us += us;
    fn.set(k, e);
    const f = url ? shortUrl(url, root) : `(native) ${name}`;
    file.set(f, (file.get(f) ?? 0) + us);
    const g = group(url, name);
    grp.set(g, (grp.get(g) ?? 0) + us);

    // Inclusive: walk up the stack once, credit each target at most once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const curUrl = byId.get(cur)!.callFrame.url.replace(/^file:\/\//, "");
      for (const [label, re] of inclusiveTargets) {
        if (!seen.has(label) && re.test(curUrl)) {
          seen.add(label);
          incl.set(label, (incl.get(label) ?? 0) + us);
        }
      }
    }
  }
  const busyUs = totalUs - idleUs;
  const line = (name: string, where: string, us: number): ProfileLine => ({
    name,
    where,
    selfMs: us / 1000,
    selfPct: (100 * us) / totalUs,
    busyPct: (100 * us) / busyUs,
  });
  return {
    outsideMs: outsideUs / 1000,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    functions: [...fn.values()].sort((a, b) => b.us - a.us).slice(0, top).map((e) => line(e.name, e.where, e.us)),
    files: [...file].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, us]) => line(f, "", us)),
    groups: [...grp].sort((a, b) => b[1] - a[1]).map(([g, us]) => line(g, "", us)),
    inclusive: [...incl].sort((a, b) => b[1] - a[1]).map(([g, us]) => line(g, "", us)),
  };
}

export function profileMarkdown(s: ProfileSummary, title: string, requests?: number): string {
  const f = (n: number) => n.toFixed(1);
  const per = (ms: number) => (requests ? ` ${((ms * 1000) / requests).toFixed(1)} |` : "");
  const perHead = requests ? " µs/req |" : "";
  const perSep = requests ? "---:|" : "";
  const out = [
    `### ${title}`,
    "",
    `Sampled ${f(s.totalMs / 1000)} s under load, busy ${f(s.busyMs / 1000)} s (idle ${f(s.idleMs / 1000)} s)${requests ? `, ${requests.toLocaleString("en")} requests` : ""}; start-up and shutdown (${f(s.outsideMs / 1000)} s) left out. Shares are of busy time.`,
    "",
    "Top self time, by function:",
    "",
    `| # | function | where | self ms | % busy |${perHead}`,
    `|---|---|---|---:|---:|${perSep}`,
    ...s.functions.map((l, i) => `| ${i + 1} | \`${l.name}\` | ${l.where || "(native)"} | ${f(l.selfMs)} | ${f(l.busyPct)} |${per(l.selfMs)}`),
    "",
    "Self time by area:",
    "",
    `| area | self ms | % busy |${perHead}`,
    `|---|---:|---:|${perSep}`,
    ...s.groups.map((l) => `| ${l.name} | ${f(l.selfMs)} | ${f(l.busyPct)} |${per(l.selfMs)}`),
    "",
    "Inclusive time (self + callees) of selected code:",
    "",
    `| code | incl. ms | % busy |${perHead}`,
    `|---|---:|---:|${perSep}`,
    ...s.inclusive.map((l) => `| ${l.name} | ${f(l.selfMs)} | ${f(l.busyPct)} |${per(l.selfMs)}`),
    "",
    "Top self time, by file:",
    "",
    "| file | self ms | % busy |",
    "|---|---:|---:|",
    ...s.files.slice(0, 15).map((l) => `| ${l.name} | ${f(l.selfMs)} | ${f(l.busyPct)} |`),
    "",
  ];
  return out.join("\n");
}
