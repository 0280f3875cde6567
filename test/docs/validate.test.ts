// The generated documents are valid OpenAPI 3.1 (swagger-parser), and say what the contract
// needs them to say: both auth schemes, the telemetry headers, and every error in the
// endpoint's own format. The Postman collection mirrors the gateway document.
import { describe, expect, test } from "bun:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { OpenAPI } from "openapi-types";
import { renderDocs } from "../../scripts/docs.ts";
import { isObject, operations, type JsonObject } from "../../src/openapi/json.ts";
import { POSTMAN_SCHEMA } from "../../src/openapi/postman.ts";

const files = renderDocs();
const gateway = JSON.parse(files["openapi/openapi.json"]) as JsonObject;
const admin = JSON.parse(files["openapi/admin.json"]) as JsonObject;
const postman = JSON.parse(files["postman/collection.json"]) as JsonObject;

async function validate(doc: JsonObject): Promise<void> {
  // validate() dereferences in place; give it a copy. Our JSON is the document its type names.
  await SwaggerParser.validate(structuredClone(doc) as unknown as OpenAPI.Document);
}

function get(obj: unknown, ...keys: string[]): unknown {
  let cur = obj;
  for (const k of keys) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

function resolve(doc: JsonObject, v: unknown): unknown {
  const ref = get(v, "$ref");
  if (typeof ref !== "string") return v;
  return get(doc, ...ref.slice(2).split("/"));
}

describe("OpenAPI documents", () => {
  test("the gateway document validates", async () => {
    expect(gateway.openapi).toBe("3.1.0");
    await validate(gateway);
  });

  test("the admin document validates", async () => {
    expect(admin.openapi).toBe("3.1.0");
    await validate(admin);
  });

  test("every operation has an id, a summary, security, a success response and tags", () => {
    for (const doc of [gateway, admin]) {
      const ids = new Set<string>();
      for (const { path, method, op } of operations(doc)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(typeof op.operationId, where).toBe("string");
        expect(ids.has(String(op.operationId)), `${where} duplicate operationId`).toBe(false);
        ids.add(String(op.operationId));
        expect(typeof op.summary, where).toBe("string");
        expect(Array.isArray(op.security), `${where} security`).toBe(true);
        expect(Array.isArray(op.tags) && op.tags.length > 0, `${where} tags`).toBe(true);
        expect(Object.keys(isObject(op.responses) ? op.responses : {}).some((s) => s.startsWith("2")), `${where} 2xx`).toBe(true);
      }
    }
  });

  test("both auth schemes are declared and offered on every authenticated gateway endpoint", () => {
    expect(get(gateway, "components", "securitySchemes", "bearerAuth")).toMatchObject({ type: "http", scheme: "bearer" });
    expect(get(gateway, "components", "securitySchemes", "apiKeyAuth")).toMatchObject({ type: "apiKey", in: "header", name: "x-api-key" });
    for (const { path, method, op } of operations(gateway)) {
      if (!path.startsWith("/v1/")) continue;
      const schemes = (Array.isArray(op.security) ? op.security : []).flatMap((r) => (isObject(r) ? Object.keys(r) : []));
      expect(schemes, `${method} ${path}`).toEqual(expect.arrayContaining(["bearerAuth", "apiKeyAuth"]));
    }
  });

  test("errors come in the endpoint's own format, with x-request-id", () => {
    for (const { path, method, op } of operations(gateway)) {
      const anthropic = path.startsWith("/v1/messages");
      for (const [status, response] of Object.entries(isObject(op.responses) ? op.responses : {})) {
        // Probes and payment webhooks answer in their own small shapes, checked below.
        if (!/^[45]/.test(status) || path === "/readyz" || path.startsWith("/webhooks/")) continue;
        const ref = String(get(response, "$ref"));
        expect(ref, `${method} ${path} ${status}`).toBe(`#/components/responses/${anthropic ? "anthropic" : "openai"}-${status}`);
        const resolved = resolve(gateway, response);
        expect(get(resolved, "headers", "x-request-id")).toBeDefined();
        // A copy: bun's toMatchObject writes its matchers into the object it checks, and
        // error responses are shared components seen again by the next operation.
        const example = structuredClone(get(resolved, "content", "application/json", "example"));
        if (anthropic) expect(example).toMatchObject({ type: "error", error: { type: expect.any(String), message: expect.any(String) } });
        else expect(example, `${path} ${status}`).toMatchObject({ error: { message: expect.any(String), type: expect.any(String) } });
      }
    }
    for (const { op } of operations(gateway).filter((o) => o.path.startsWith("/webhooks/"))) {
      for (const status of ["200", "400", "401"]) {
        expect(get(op, "responses", status, "content", "application/json", "schema", "$ref")).toBe("#/components/schemas/WebhookAck");
      }
    }
    // Rate limits say when to come back.
    expect(get(gateway, "components", "responses", "openai-429", "headers", "retry-after")).toBeDefined();
  });

  test("the inference endpoints document 401/402/413/429/5xx and the telemetry headers", () => {
    for (const path of ["/v1/chat/completions", "/v1/messages"]) {
      const op = get(gateway, "paths", path, "post");
      for (const status of ["400", "401", "402", "404", "413", "429", "500", "502", "503", "504"]) {
        expect(get(op, "responses", status), `${path} ${status}`).toBeDefined();
      }
      const headers = Object.keys(get(op, "responses", "200", "headers") as JsonObject);
      expect(headers).toEqual(
        expect.arrayContaining([
          "x-request-id",
          "x-sluice-cost-usd",
          "x-sluice-rpm-remaining",
          "x-sluice-concurrent-remaining",
          "x-sluice-window-spend-remaining-usd",
        ]),
      );
      expect(get(op, "responses", "200", "content", "text/event-stream")).toBeDefined();
      expect(get(op, "requestBody", "content", "application/json", "examples")).toBeDefined();
    }
  });

  test("the contract's public endpoints are all there", () => {
    const paths = Object.keys(gateway.paths as JsonObject);
    for (const p of ["/v1/chat/completions", "/v1/messages", "/v1/models", "/v1/balance", "/healthz", "/readyz", "/openapi.json", "/postman.json", "/swagger"]) {
      expect(paths).toContain(p);
    }
    const adminPaths = Object.keys(admin.paths as JsonObject);
    for (const p of ["/admin/v1/users", "/admin/v1/users/{id}", "/admin/v1/users/{id}/keys", "/admin/v1/keys/{id}", "/admin/v1/users/{id}/credits"]) {
      expect(adminPaths).toContain(p);
    }
  });

  test("every request body has an example", () => {
    for (const doc of [gateway, admin]) {
      for (const { path, method, op } of operations(doc)) {
        if (!isObject(op.requestBody)) continue;
        const media = get(op, "requestBody", "content", "application/json");
        expect(get(media, "example") ?? get(media, "examples"), `${method} ${path}`).toBeDefined();
      }
    }
  });
});

describe("Postman collection", () => {
  const items = (Array.isArray(postman.item) ? postman.item : []).flatMap((folder) => (isObject(folder) && Array.isArray(folder.item) ? folder.item : []));

  test("is v2.1 with base_url and api_key variables", () => {
    expect(get(postman, "info", "schema")).toBe(POSTMAN_SCHEMA);
    const vars = (postman.variable as JsonObject[]).map((v) => v.key);
    expect(vars).toEqual(["base_url", "api_key"]);
    expect(get(postman, "auth", "type")).toBe("bearer");
  });

  test("has one request per gateway operation, each on {{base_url}} with a test", () => {
    expect(items.length).toBe(operations(gateway).length);
    for (const item of items) {
      expect(String(get(item, "request", "url", "raw"))).toStartWith("{{base_url}}/");
      expect(JSON.stringify(get(item, "event"))).toContain("pm.response.to.have.status");
    }
  });

  test("bodies are the documented examples, and Anthropic endpoints send x-api-key", () => {
    const messages = items.find((i) => get(i, "request", "url", "raw") === "{{base_url}}/v1/messages");
    expect(JSON.parse(String(get(messages, "request", "body", "raw")))).toMatchObject({ model: "claude-sonnet-4.6", max_tokens: 1024 });
    expect(get(messages, "request", "auth", "type")).toBe("apikey");
    const chat = items.find((i) => get(i, "request", "url", "raw") === "{{base_url}}/v1/chat/completions");
    expect(JSON.parse(String(get(chat, "request", "body", "raw")))).toMatchObject({ model: "gpt-5.5" });
    expect(get(chat, "request", "auth")).toBeUndefined(); // inherits the collection's bearer {{api_key}}
    const health = items.find((i) => get(i, "request", "url", "raw") === "{{base_url}}/healthz");
    expect(get(health, "request", "auth", "type")).toBe("noauth");
  });
});
