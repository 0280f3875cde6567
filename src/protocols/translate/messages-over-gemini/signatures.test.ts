import { describe, expect, test } from "bun:test";
import {
  decodeToolUseId,
  encodeToolUseId,
  readThinkingSignature,
  TEXT_SIGNATURE_PREFIX,
  THOUGHT_SIGNATURE_PREFIX,
  type CallRef,
} from "./signatures.ts";

const ANTHROPIC_ID = /^[A-Za-z0-9_-]+$/;
const b64 = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 97 + 251) % 256)).toString("base64");

describe("tool_use id codec", () => {
  const cases: { name: string; ref: CallRef; prefix: string }[] = [
    { name: "canonical base64, == padding", ref: { signature: b64(64) }, prefix: "toolu_gs_" },
    { name: "canonical base64, = padding", ref: { signature: b64(65) }, prefix: "toolu_gs_" },
    { name: "canonical base64, no padding", ref: { signature: b64(66) }, prefix: "toolu_gs_" },
    { name: "base64 with + and /", ref: { signature: "+/+/ab==" }, prefix: "toolu_gs_" },
    { name: "non-base64 signature", ref: { signature: "sig with spaces & ünïcode" }, prefix: "toolu_gj_" },
    { name: "unpadded base64 is kept byte-exact", ref: { signature: "abc" }, prefix: "toolu_gj_" },
    { name: "empty signature", ref: { signature: "" }, prefix: "toolu_gj_" },
    { name: "call id only", ref: { callId: "fc_1" }, prefix: "toolu_gj_" },
    { name: "call id and signature", ref: { callId: "a b/c", signature: b64(30) }, prefix: "toolu_gj_" },
  ];
  for (const c of cases) {
    test(`round trip: ${c.name}`, () => {
      const id = encodeToolUseId(c.ref);
      expect(id).toStartWith(c.prefix);
      expect(id).toMatch(ANTHROPIC_ID);
      expect(decodeToolUseId(id)).toEqual(c.ref);
    });
  }

  test("the compact form is no longer than toolu_gs_ + the signature", () => {
    const sig = b64(1500);
    expect(encodeToolUseId({ signature: sig }).length).toBeLessThanOrEqual("toolu_gs_".length + sig.length);
  });

  test("no ref: a random Anthropic-style id that decodes to nothing", () => {
    const a = encodeToolUseId({});
    expect(a).toMatch(/^toolu_01[A-Za-z0-9]{22}$/);
    expect(a).not.toBe(encodeToolUseId({}));
    expect(decodeToolUseId(a)).toEqual({});
  });

  const foreign = [
    "toolu_01A09q90qw90lq917835lq9",
    "call_abc123",
    "toolu_gs_",
    "toolu_gs_a", // length % 4 == 1 cannot be base64
    "toolu_gs_ab!c",
    "toolu_gj_bm90IGpzb24", // "not json"
    "toolu_gj_WzFd", // "[1]": JSON, but not ours
    encodeToolUseId({ callId: "x", signature: "y" }).slice(0, -2), // truncated
  ];
  for (const id of foreign) {
    test(`foreign or damaged id decodes to nothing: ${id.slice(0, 24)}`, () => {
      expect(decodeToolUseId(id)).toEqual({});
    });
  }
});

describe("thinking signatures", () => {
  const cases: { sig: unknown; want: ReturnType<typeof readThinkingSignature> }[] = [
    { sig: `${THOUGHT_SIGNATURE_PREFIX}abc=`, want: { kind: "thought", signature: "abc=" } },
    { sig: THOUGHT_SIGNATURE_PREFIX, want: { kind: "thought", signature: "" } },
    { sig: `${TEXT_SIGNATURE_PREFIX}abc=`, want: { kind: "text", signature: "abc=" } },
    { sig: TEXT_SIGNATURE_PREFIX, want: { kind: "foreign" } },
    { sig: "EqQBCkYIBxgCKkBclaude", want: { kind: "foreign" } },
    { sig: undefined, want: { kind: "foreign" } },
  ];
  for (const c of cases) {
    test(`reads ${String(c.sig)}`, () => expect(readThinkingSignature(c.sig)).toEqual(c.want));
  }
  test("prefixes do not name the provider", () => {
    expect(`${THOUGHT_SIGNATURE_PREFIX}${TEXT_SIGNATURE_PREFIX}`.toLowerCase()).not.toContain("gemini");
    expect(`${THOUGHT_SIGNATURE_PREFIX}${TEXT_SIGNATURE_PREFIX}`.toLowerCase()).not.toContain("google");
  });
});
