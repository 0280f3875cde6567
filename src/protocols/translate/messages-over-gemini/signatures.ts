// Where Gemini's thought signatures live while a conversation is on the client's side.
//
// Gemini returns an opaque `thoughtSignature` on some response parts and wants each one back,
// on the same kind of part, in later requests. On Gemini 3 a functionCall part of the current
// turn that lacks the signature it was given is a 400. Gateway instances are stateless, so the
// signature must travel inside the conversation the client sends back, in a field every client
// returns unchanged:
//
// - functionCall signatures go into the tool_use id. The id is the only part of a tool call
//   that survives every client: Anthropic clients echo tool_use blocks, OpenAI clients echo
//   tool_calls[].id (and tool_call_id), while thinking blocks do not exist on the OpenAI side.
//     toolu_gs_<base64url>  the signature alone; <base64url> is the signature's own base64
//                           made URL-safe and unpadded (same length: cheap in every turn)
//     toolu_gj_<base64url>  base64url of the JSON {"i"?: Gemini call id, "s"?: signature},
//                           for calls that carry a Gemini id or an unusual signature
//     toolu_01<random>      a call with neither (Gemini gave no id and no signature)
//   Only [A-Za-z0-9_-] is used, the character set Anthropic accepts for tool_use ids.
// - Every other signature goes into a thinking block's `signature`, which Anthropic clients
//   return verbatim. A prefix says which part it came from and keeps foreign (e.g. Claude)
//   signatures, which Gemini would reject as corrupted, from ever being sent to Gemini:
//     sluice:t:<sig>  the block is Gemini thought text (its own signature, possibly empty):
//                     it goes back as a {text, thought:true, thoughtSignature} part
//     sluice:x:<sig>  an empty block placed right after the text block whose part carried
//                     <sig>: the signature goes back onto that text part
//   The prefix names neither the provider nor the upstream (clients must not learn either).

export const THOUGHT_SIGNATURE_PREFIX = "sluice:t:";
export const TEXT_SIGNATURE_PREFIX = "sluice:x:";

/**
 * Gemini's documented value for a functionCall whose real signature is unknown (history from
 * another model, or a client that rewrote tool ids): validation is skipped instead of a 400.
 */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

const SIG_ID = "toolu_gs_";
const JSON_ID = "toolu_gj_";
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** What a tool_use id remembers of the Gemini functionCall it was made from. */
export interface CallRef {
  /** Gemini's own functionCall.id, to send back on functionCall and functionResponse. */
  callId?: string;
  signature?: string;
}

export function randomToolUseId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  return "toolu_01" + Array.from(bytes, (b) => ALNUM[b % ALNUM.length]).join("");
}

export function encodeToolUseId(ref: CallRef): string {
  const { callId, signature } = ref;
  if (callId === undefined && signature === undefined) return randomToolUseId();
  if (callId === undefined && signature !== undefined && signature !== "" && CANONICAL_BASE64.test(signature)) {
    return SIG_ID + signature.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  const payload: { i?: string; s?: string } = {};
  if (callId !== undefined) payload.i = callId;
  if (signature !== undefined) payload.s = signature;
  return JSON_ID + Buffer.from(JSON.stringify(payload), "utf8").toString("base64url");
}

/** The CallRef an id encodes; empty for ids this module did not make (or that were damaged). */
export function decodeToolUseId(id: string): CallRef {
  if (id.startsWith(SIG_ID)) {
    const body = id.slice(SIG_ID.length);
    if (!BASE64URL.test(body) || body.length % 4 === 1) return {};
    const std = body.replace(/-/g, "+").replace(/_/g, "/");
    return { signature: std + "=".repeat((4 - (std.length % 4)) % 4) };
  }
  if (id.startsWith(JSON_ID)) {
    const body = id.slice(JSON_ID.length);
    if (!BASE64URL.test(body)) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    } catch {
      return {};
    }
    if (typeof parsed !== "object" || parsed === null) return {};
    const ref: CallRef = {};
    if ("i" in parsed && typeof parsed.i === "string") ref.callId = parsed.i;
    if ("s" in parsed && typeof parsed.s === "string") ref.signature = parsed.s;
    // A hand-made or truncated id can still parse; only an exact re-encoding proves it is ours.
    return encodeToolUseId(ref) === id ? ref : {};
  }
  return {};
}

export type ThinkingSignature =
  | { kind: "thought"; signature: string }
  | { kind: "text"; signature: string }
  | { kind: "foreign" };

export function readThinkingSignature(signature: unknown): ThinkingSignature {
  if (typeof signature !== "string") return { kind: "foreign" };
  if (signature.startsWith(THOUGHT_SIGNATURE_PREFIX)) {
    return { kind: "thought", signature: signature.slice(THOUGHT_SIGNATURE_PREFIX.length) };
  }
  if (signature.startsWith(TEXT_SIGNATURE_PREFIX)) {
    const sig = signature.slice(TEXT_SIGNATURE_PREFIX.length);
    return sig === "" ? { kind: "foreign" } : { kind: "text", signature: sig };
  }
  return { kind: "foreign" };
}
