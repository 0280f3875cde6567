import { describe, expect, test } from "bun:test";
import { adapterFor, protocolOfKind } from "../index.ts";
import type { ProviderConfig } from "../types.ts";
import { geminiAdapter } from "./adapter.ts";

const provider = (over: Partial<ProviderConfig> = {}): ProviderConfig => ({
  id: "gemini",
  kind: "gemini",
  baseUrl: "https://generativelanguage.googleapis.com",
  apiKey: "AIza-test-key",
  ...over,
});
const body = { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { maxOutputTokens: 10 } };

describe("geminiAdapter", () => {
  const cases: { name: string; stream: boolean; model: string; baseUrl?: string; url: string }[] = [
    {
      name: "generateContent",
      stream: false,
      model: "gemini-2.5-flash",
      url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
    },
    {
      name: "streamGenerateContent with alt=sse",
      stream: true,
      model: "gemini-3-pro-preview",
      url: "https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse",
    },
    {
      name: "resource name and trailing slash",
      stream: false,
      model: "models/gemini-2.5-pro",
      baseUrl: "http://127.0.0.1:9999/",
      url: "http://127.0.0.1:9999/v1beta/models/gemini-2.5-pro:generateContent",
    },
    {
      name: "model id is escaped",
      stream: false,
      model: "odd/name?x",
      url: "https://generativelanguage.googleapis.com/v1beta/models/odd%2Fname%3Fx:generateContent",
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const call = geminiAdapter.buildCall(provider(c.baseUrl ? { baseUrl: c.baseUrl } : {}), body, new Headers(), {
        upstreamModel: c.model,
        stream: c.stream,
      });
      expect(call.url).toBe(c.url);
    });
  }

  test("headers: API key in x-goog-api-key, nothing of the client's", () => {
    const incoming = new Headers({ authorization: "Bearer client-key", "x-api-key": "client", "anthropic-beta": "x" });
    const call = geminiAdapter.buildCall(provider(), body, incoming, { upstreamModel: "m", stream: false });
    expect(call.headers).toEqual({ "content-type": "application/json", "x-goog-api-key": "AIza-test-key" });
    const keyless = geminiAdapter.buildCall(provider({ apiKey: undefined }), body, incoming, { upstreamModel: "m", stream: false });
    expect(keyless.headers).toEqual({ "content-type": "application/json" });
  });

  test("body: JSON without model or stream", () => {
    const call = geminiAdapter.buildCall(provider(), { ...body, model: "x", stream: true }, new Headers(), { upstreamModel: "m", stream: true });
    expect(JSON.parse(call.body)).toEqual(body);
  });

  test("registered", () => {
    expect(adapterFor("gemini")).toBe(geminiAdapter);
    expect(geminiAdapter.kind).toBe("gemini");
    expect(geminiAdapter.protocol).toBe(protocolOfKind("gemini"));
  });
});
