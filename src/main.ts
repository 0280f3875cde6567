// `npm start`: one Sluice instance configured from the environment.
import { loadConfig } from "./config.ts";
import { startSluice } from "./server.ts";

const config = loadConfig();
const sluice = await startSluice(config, { bootstrapFirstKey: true, processMetrics: true });

const storage = config.databaseUrl ? "Postgres" : `embedded PGlite in ${config.dataDir}`;
const hot = config.redisClusterNodes
  ? `Redis Cluster (${config.redisClusterNodes.join(", ")})`
  : config.redisUrl
  ? "Redis"
  : "in-process memory (single instance only; set REDIS_URL to run several instances; usage not yet flushed when the process dies, at most ~1 s, is lost)";
console.log(`Sluice gateway  ${sluice.gatewayUrl}   (OpenAI: ${sluice.gatewayUrl}/v1, Anthropic: ${sluice.gatewayUrl})`);
console.log(`Sluice admin    ${sluice.adminUrl}/admin/v1`);
console.log(`storage: ${storage}; hot store: ${hot}`);
if (sluice.generatedAdminToken) {
  console.log(`\nAdmin token (shown once, keep it): ${sluice.generatedAdminToken}`);
}
if (sluice.firstKey) {
  console.log(`First API key (shown once, ${config.signupCredits} credits): ${sluice.firstKey}`);
}

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: flushing the ledger and stopping...`);
    sluice
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error(err);
        process.exit(1);
      });
  });
}
