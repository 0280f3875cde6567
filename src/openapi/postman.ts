// OpenAPI 3.1 -> Postman Collection v2.1. Pure: the collection is a function of the document,
// so it cannot drift from it. Each request carries a working example body, the auth its
// protocol's SDKs use ({{api_key}} as bearer, or as x-api-key on Anthropic endpoints), and a
// test asserting the documented success status, so a Postman or newman run is a smoke test.
import { exampleFromSchema, mediaExample } from "./examples.ts";
import { deref, isObject, operations, type Json, type JsonObject } from "./json.ts";

export const POSTMAN_SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

export interface PostmanOptions {
  /** Default of {{base_url}}; the document's first server otherwise. */
  baseUrl?: string;
  /** Name of the credential variable. */
  keyVariable?: string;
}

const REASON: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content" };

/** The status an operation answers when all goes well: its lowest documented 2xx. */
export function successStatus(op: JsonObject): number {
  const codes = Object.keys(isObject(op.responses) ? op.responses : {})
    .filter((s) => /^2\d\d$/.test(s))
    .map(Number)
    .sort((a, b) => a - b);
  return codes[0] ?? 200;
}

export function toPostman(doc: JsonObject, opts: PostmanOptions = {}): JsonObject {
  const keyVar = opts.keyVariable ?? "api_key";
  const info = isObject(doc.info) ? doc.info : {};
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const firstServer = isObject(servers[0]) && typeof servers[0].url === "string" ? servers[0].url : "http://127.0.0.1:8080";
  const schemes = isObject(doc.components) && isObject(doc.components.securitySchemes) ? doc.components.securitySchemes : {};

  const folders = new Map<string, Json[]>();
  for (const t of Array.isArray(doc.tags) ? doc.tags : []) if (isObject(t) && typeof t.name === "string") folders.set(t.name, []);

  for (const { path, method, op } of operations(doc)) {
    const tag = Array.isArray(op.tags) && typeof op.tags[0] === "string" ? op.tags[0] : "Other";
    if (!folders.has(tag)) folders.set(tag, []);
    folders.get(tag)!.push(requestItem(doc, schemes, keyVar, path, method, op));
  }

  const description = typeof info.description === "string" ? info.description : "";
  return {
    info: {
      name: typeof info.title === "string" ? info.title : "API",
      description: `${description}\n\nSet the \`${keyVar}\` variable (and \`base_url\` if the server is elsewhere), then send any request.`,
      schema: POSTMAN_SCHEMA,
      ...(typeof info.version === "string" ? { version: info.version } : {}),
    },
    auth: bearer(keyVar),
    variable: [
      { key: "base_url", value: (opts.baseUrl ?? firstServer).replace(/\/+$/, ""), type: "string" },
      { key: keyVar, value: "", type: "string" },
    ],
    item: [...folders].filter(([, items]) => items.length > 0).map(([name, items]) => ({ name, item: items })),
  };
}

function bearer(keyVar: string): JsonObject {
  return { type: "bearer", bearer: [{ key: "token", value: `{{${keyVar}}}`, type: "string" }] };
}

/** Postman auth for the operation's first security requirement; undefined inherits the collection's bearer. */
function authFor(schemes: JsonObject, keyVar: string, op: JsonObject): JsonObject | undefined {
  if (!Array.isArray(op.security) || op.security.length === 0) return { type: "noauth" };
  const first = op.security[0];
  const name = isObject(first) ? Object.keys(first)[0] : undefined;
  if (name === undefined) return { type: "noauth" };
  const scheme = schemes[name];
  if (isObject(scheme) && scheme.type === "apiKey" && scheme.in === "header" && typeof scheme.name === "string") {
    return {
      type: "apikey",
      apikey: [
        { key: "key", value: scheme.name, type: "string" },
        { key: "value", value: `{{${keyVar}}}`, type: "string" },
        { key: "in", value: "header", type: "string" },
      ],
    };
  }
  return undefined;
}

function requestItem(doc: JsonObject, schemes: JsonObject, keyVar: string, path: string, method: string, op: JsonObject): JsonObject {
  const params = (Array.isArray(op.parameters) ? op.parameters : []).map((p) => deref(doc, p)).filter(isObject);
  const segments = path.split("/").filter(Boolean).map((s) => s.replace(/^\{(.+)\}$/, ":$1"));
  const paramValue = (p: JsonObject): string => {
    const v = p.example ?? exampleFromSchema(doc, p.schema);
    return typeof v === "string" ? v : JSON.stringify(v);
  };
  const pathVars = params.filter((p) => p.in === "path").map((p) => ({ key: String(p.name), value: paramValue(p), description: describe(p) }));
  const query = params
    .filter((p) => p.in === "query")
    .map((p) => ({ key: String(p.name), value: paramValue(p), description: describe(p), disabled: p.required !== true }));

  const header: JsonObject[] = [];
  let body: JsonObject | undefined;
  const requestBody = deref(doc, op.requestBody);
  if (isObject(requestBody) && isObject(requestBody.content)) {
    const media = requestBody.content["application/json"];
    if (isObject(media)) {
      const example = mediaExample(doc, media) ?? exampleFromSchema(doc, media.schema);
      header.push({ key: "content-type", value: "application/json", type: "text" });
      body = { mode: "raw", raw: JSON.stringify(example, null, 2), options: { raw: { language: "json" } } };
    }
  }
  for (const p of params.filter((x) => x.in === "header")) {
    // Optional headers are listed but off: some change the answer (anthropic-version on /v1/models).
    header.push({ key: String(p.name), value: paramValue(p), type: "text", description: describe(p), ...(p.required === true ? {} : { disabled: true }) });
  }

  const raw = `{{base_url}}/${segments.join("/")}`;
  const url: JsonObject = { raw, host: ["{{base_url}}"], path: segments };
  if (pathVars.length > 0) url.variable = pathVars;
  if (query.length > 0) url.query = query;

  const request: JsonObject = { method: method.toUpperCase(), header, url };
  const auth = authFor(schemes, keyVar, op);
  if (auth) request.auth = auth;
  if (body) request.body = body;
  if (typeof op.description === "string") request.description = op.description;

  const status = successStatus(op);
  return {
    name: typeof op.summary === "string" ? op.summary : `${method.toUpperCase()} ${path}`,
    request,
    response: savedResponse(doc, op, status, request),
    event: [
      {
        listen: "test",
        script: {
          type: "text/javascript",
          exec: [`pm.test("answers ${status}", function () {`, `  pm.response.to.have.status(${status});`, "});"],
        },
      },
    ],
  };
}

function describe(p: JsonObject): string {
  return typeof p.description === "string" ? p.description : "";
}

function savedResponse(doc: JsonObject, op: JsonObject, status: number, request: JsonObject): Json[] {
  const responses = isObject(op.responses) ? op.responses : {};
  const response = deref(doc, responses[String(status)]);
  if (!isObject(response) || !isObject(response.content)) return [];
  const [contentType, media] = Object.entries(response.content)[0] ?? [];
  const example = mediaExample(doc, media);
  if (contentType === undefined || example === undefined) return [];
  return [
    {
      name: typeof response.description === "string" ? response.description : `${status}`,
      originalRequest: request,
      status: REASON[status] ?? "OK",
      code: status,
      _postman_previewlanguage: contentType.includes("json") ? "json" : "text",
      header: [{ key: "content-type", value: contentType }],
      body: typeof example === "string" ? example : JSON.stringify(example, null, 2),
    },
  ];
}
