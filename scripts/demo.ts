// `npm run demo`: the gateway plus mock OpenAI and Anthropic upstreams, so a newcomer can
// call it with no provider account. Storage is the embedded default in ./data/demo.
import { loadConfig } from "../src/config.ts";
import { startSluice } from "../src/server.ts";
import { startOpenAIMock } from "../test/mocks/openai-upstream.ts";
import { startAnthropicMock } from "../test/mocks/anthropic-upstream.ts";

const openai = await startOpenAIMock();
const anthropic = await startAnthropicMock();
const env: Record<string, string | undefined> = { ...process.env };
for (const id of ["openai", "xai", "deepseek", "moonshot", "minimax", "qwen", "zhipu", "xiaomi", "openweight"]) {
  env[`PROVIDER_${id.toUpperCase()}_BASE_URL`] = `${openai.url}/v1`;
  env[`PROVIDER_${id.toUpperCase()}_API_KEY`] = "demo";
}
env.PROVIDER_ANTHROPIC_BASE_URL = anthropic.url;
env.PROVIDER_ANTHROPIC_API_KEY = "demo";
env.DATA_DIR ??= "./data/demo";

const config = loadConfig(env);
const sluice = await startSluice(config, { bootstrapFirstKey: true });
console.log(`Sluice demo: gateway ${sluice.gatewayUrl}, admin ${sluice.adminUrl}/admin/v1`);
console.log(`mock upstreams: OpenAI ${openai.url}, Anthropic ${anthropic.url} (they echo your last message)`);
if (sluice.generatedAdminToken) console.log(`Admin token (shown once): ${sluice.generatedAdminToken}`);
if (sluice.firstKey) {
  console.log(`API key (shown once): ${sluice.firstKey}\n`);
  console.log(`curl ${sluice.gatewayUrl}/v1/chat/completions -H "Authorization: Bearer ${sluice.firstKey}" \\`);
  console.log(`  -H 'content-type: application/json' -d '{"model":"gpt-5.5","messages":[{"role":"user","content":"hi"}]}'`);
} else {
  console.log("(the API key was printed on the demo's first start; delete ./data/demo to start afresh)");
}

process.on("SIGINT", () => {
  void sluice
    .stop()
    .then(() => Promise.all([openai.stop(), anthropic.stop()]))
    .then(() => process.exit(0));
});
