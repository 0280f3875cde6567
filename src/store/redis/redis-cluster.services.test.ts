// The same HotStore cases against a three-node Redis Cluster (REDIS_CLUSTER_NODES): every
// script touches one slot, or the cluster refuses it with CROSSSLOT. The nodes are started
// here, on ports of their own, and stopped at the end.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster } from "ioredis";
import { RedisHotStore } from "./redis-store.ts";
import { runHotStoreCases } from "../store.cases.ts";
import { servicesMode } from "../../../test/helpers/harness.ts";
import { freePort } from "../../../test/metering/helpers.ts";

const nodes: string[] = [];
const dir = mkdtempSync(join(tmpdir(), "sluice-cluster-"));
const stores: RedisHotStore[] = [];

async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (proc.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${err || out}`);
  return out;
}

async function startCluster(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    // The cluster bus listens on port + 10000, so stay well below 55536.
    let port = await freePort();
    while (port > 50_000) port = await freePort();
    const nodeDir = join(dir, String(port));
    await run(["mkdir", "-p", nodeDir]);
    await run([
      "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
      "--cluster-config-file", join(nodeDir, "nodes.conf"), "--dir", nodeDir,
      "--save", "", "--appendonly", "no", "--daemonize", "yes",
    ]);
    nodes.push(`127.0.0.1:${port}`);
  }
  for (const node of nodes) {
    const port = node.split(":")[1]!;
    for (let i = 0; i < 50 && (await run(["redis-cli", "-p", port, "ping"]).catch(() => "")).trim() !== "PONG"; i++) await Bun.sleep(100);
  }
  await run(["redis-cli", "--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
  for (let i = 0; i < 100; i++) {
    const info = await run(["redis-cli", "-p", nodes[0]!.split(":")[1]!, "cluster", "info"]);
    if (info.includes("cluster_state:ok")) return;
    await Bun.sleep(100);
  }
  throw new Error("the test cluster did not become ready");
}

describe.skipIf(!servicesMode)("Redis Cluster", () => {
  beforeAll(startCluster, 60_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => {})));
    for (const node of nodes) await run(["redis-cli", "-p", node.split(":")[1]!, "shutdown", "nosave"]).catch(() => "");
    rmSync(dir, { recursive: true, force: true });
  });

  runHotStoreCases("redis-cluster", async () => {
    const store = new RedisHotStore({ clusterNodes: nodes, prefix: `t:${crypto.randomUUID().slice(0, 8)}:` });
    stores.push(store);
    return store;
  });

  test("users are spread over the cluster's nodes, and each user's keys sit in one slot", async () => {
    const store = new RedisHotStore({ clusterNodes: nodes, prefix: "spread:" });
    stores.push(store);
    for (let i = 0; i < 64; i++) await store.setBalance(`usr_${i}`, BigInt(i));
    const cluster = new Cluster(nodes.map((n) => ({ host: "127.0.0.1", port: Number(n.split(":")[1]) })));
    try {
      await cluster.ping();
      const perNode = await Promise.all(cluster.nodes("master").map(async (node) => (await node.keys("spread:*")).length));
      expect(perNode.reduce((a, b) => a + b, 0)).toBe(64);
      // 16 shards over 3 masters: every master holds some users.
      expect(perNode.every((n) => n > 0)).toBe(true);
    } finally {
      cluster.disconnect();
    }
  });
});
