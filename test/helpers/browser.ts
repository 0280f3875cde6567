// Headless Chromium for the browser tests (Swagger UI, web console): Debian's chromium at
// /usr/bin/chromium, installed with apt-get when missing and running as root; otherwise the
// browser tests are skipped, saying why.
import { existsSync } from "node:fs";
import { join } from "node:path";

export const CHROMIUM = "/usr/bin/chromium";
export const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
export const ARTIFACTS = join(import.meta.dir, "..", "artifacts");

async function run(cmd: string[]): Promise<boolean> {
  const proc = Bun.spawn(cmd, { stdout: "ignore", stderr: "pipe", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  const code = await proc.exited;
  if (code !== 0) console.warn(`${cmd.join(" ")} exited ${code}: ${(await new Response(proc.stderr).text()).slice(-500)}`);
  return code === 0;
}

/** null when Chromium is there (or now installed), else why it cannot be. */
export async function ensureChromium(): Promise<string | null> {
  if (existsSync(CHROMIUM)) return null;
  if (process.getuid?.() !== 0) return `${CHROMIUM} is missing and installing it needs root (apt-get install -y chromium)`;
  console.log("browser tests: installing Debian's chromium (apt-get), once per machine...");
  // A stale package list is the usual reason a first install fails.
  const installed = (await run(["apt-get", "install", "-y", "-q", "chromium"])) || ((await run(["apt-get", "update", "-q"])) && (await run(["apt-get", "install", "-y", "-q", "chromium"])));
  if (!installed || !existsSync(CHROMIUM)) return "apt-get could not install chromium here";
  return null;
}
