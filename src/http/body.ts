// Request bodies are read with a cap so that an oversized upload is refused with a 413 in
// the endpoint's format instead of being buffered whole.
import { GatewayError } from "./errors.ts";

export async function readBodyText(request: Request, limit: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (declared !== null) return request.text();
  // Chunked upload: count as we go.
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError("too_large", `Request body exceeds the ${Math.floor(limit / (1024 * 1024))} MiB limit.`, {
    code: "request_too_large",
  });
}
