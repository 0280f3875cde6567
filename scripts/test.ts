// `npm test`: the whole suite twice, once on the embedded default (PGlite + memory store)
// and once on real Postgres + Redis, then one closing line "N passed, N failed".
// Files named *.services.test.ts need the real services and run only in the second pass.
// Without the services (and outside CI) the second pass is skipped, and that is said plainly.
import { Glob } from "bun";
import { connect } from "node:net";

const root = new URL("..", import.meta.url).pathname;
const extraArgs = process.argv.slice(2);

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function endpoint(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port) || defaultPort };
}

async function runPass(name: string, files: string[], env: Record<string, string | undefined>): Promise<{ pass: number; fail: number }> {
  console.log(`\n=== ${name}: ${files.length} files ===`);
  // --timeout, not only the preload's setDefaultTimeout: Bun applies the latter to the hooks
  // of the first test file only, and a harness started in a later file's beforeAll would get 5 s.
  const proc = Bun.spawn([process.execPath, "test", "--timeout", "30000", ...extraArgs, ...files], {
    cwd: root,
    env,
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const tee = async (stream: ReadableStream<Uint8Array>, sink: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      const text = decoder.decode(chunk, { stream: true });
      out += text;
      sink.write(text);
    }
  };
  await Promise.all([tee(proc.stdout, process.stdout), tee(proc.stderr, process.stderr), proc.exited]);
  const pass = Number(/^\s*(\d+) pass\s*$/m.exec(out)?.[1] ?? 0);
  let fail = Number(/^\s*(\d+) fail\s*$/m.exec(out)?.[1] ?? 0);
  // A crash or a failure outside any test (exit code != 0) must not read as green.
  if (proc.exitCode !== 0 && fail === 0) fail = 1;
  return { pass, fail };
}

const all = [...new Glob("{src,admin,db,test,bench,scripts}/**/*.test.ts").scanSync({ cwd: root })]
  .filter((f) => !f.includes("node_modules"))
  .sort();
const embeddedFiles = all.filter((f) => !f.endsWith(".services.test.ts"));

const baseEnv: Record<string, string | undefined> = { ...process.env };
delete baseEnv.DATABASE_URL;
delete baseEnv.REDIS_URL;

const embedded = await runPass("embedded (PGlite + memory store)", embeddedFiles, { ...baseEnv, SLUICE_TEST_STORAGE: "embedded" });

const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const pg = endpoint(databaseUrl, 5432);
const redis = endpoint(redisUrl, 6379);
const servicesUp = (await reachable(pg.host, pg.port)) && (await reachable(redis.host, redis.port));

let services = { pass: 0, fail: 0 };
if (servicesUp) {
  services = await runPass("services (Postgres + Redis)", all, {
    ...baseEnv,
    SLUICE_TEST_STORAGE: "services",
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
  });
} else if (process.env.CI) {
  console.log(`\nThe service suite needs Postgres (${pg.host}:${pg.port}) and Redis (${redis.host}:${redis.port}); in CI that is a failure.`);
  services.fail = 1;
} else {
  console.log(
    `\nNOTE: the service suite did NOT run: Postgres at ${pg.host}:${pg.port} or Redis at ${redis.host}:${redis.port} is not reachable. ` +
      "Only the embedded suite ran.",
  );
}

const pass = embedded.pass + services.pass;
const fail = embedded.fail + services.fail;
console.log(`\nembedded: ${embedded.pass} passed, ${embedded.fail} failed; services: ${servicesUp ? `${services.pass} passed, ${services.fail} failed` : "not run"}`);
console.log(`${pass} passed, ${fail} failed`);
process.exit(fail === 0 ? 0 : 1);
