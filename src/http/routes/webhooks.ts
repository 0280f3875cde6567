// Payment notifications on the gateway port: public, no API key, authenticated by the
// provider's signature (Midtrans) or callback token (Xendit). The body is read raw, never
// through the app's JSON parser, so it is verified and stored exactly as received (the
// plugin is registered before the app's onParse hook for that reason).
import { Elysia } from "elysia";
import type { BillingDeps } from "../../payments/deps.ts";
import { handleWebhook } from "../../payments/webhook.ts";
import type { ProviderName } from "../../payments/types.ts";

const MAX_BODY_BYTES = 256 * 1024;

export function webhookRoutes(deps: { billing?: BillingDeps }) {
  const handler = (name: ProviderName) => async ({ request }: { request: Request }) => {
    if (!deps.billing) return json(404, { received: false, error: "billing is not enabled" });
    const raw = await request.text();
    if (raw.length > MAX_BODY_BYTES) return json(413, { received: false, error: "body too large" });
    try {
      const reply = await handleWebhook(deps.billing, name, raw, request.headers);
      return json(reply.status, reply.body);
    } catch (err) {
      // Registered ahead of the app's error handler; 503 earns the most provider retries.
      console.error(`[sluice-billing] ${name} notification failed:`, err);
      return json(503, { received: false, error: "temporarily unable to process; retry" });
    }
  };
  return new Elysia()
    .post("/webhooks/midtrans", handler("midtrans"), {
      parse: "none",
      detail: { summary: "Midtrans payment notification (SHA-512 signature_key)", tags: ["Webhooks"] },
    })
    .post("/webhooks/xendit", handler("xendit"), {
      parse: "none",
      detail: { summary: "Xendit QR payment callback (x-callback-token)", tags: ["Webhooks"] },
    });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}
