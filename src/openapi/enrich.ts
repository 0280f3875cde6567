// Post-processing of the generated document: everything Elysia's route metadata cannot say
// (security per operation, response headers, the error bodies of each status in the
// endpoint's own format, examples, shared schemas) is added here from a DocSpec, so the
// routes stay the single source of paths, parameters and request schemas.
//
// An operation's documentation is `spec.defaults(...)` (derived from its path and method, so
// a route nobody told us about still gets auth, errors and an example body) overlaid with
// `spec.operations["METHOD /path"]` when the route is known. What a route declares itself
// (`detail`, `response`) is never overwritten.
import type { TSchema } from "@sinclair/typebox";
import { exampleFromSchema, mediaExample } from "./examples.ts";
import { deref, isObject, objectAt, operations, toJson, type HttpMethod, type Json, type JsonObject } from "./json.ts";
import { OPENAPI_VERSION } from "./generate.ts";

export type AuthMode = "key" | "key-optional" | "admin" | "none" | "signature";
export type ErrorFormat = "openai" | "anthropic" | "admin";
/** Which response headers a success carries: metered = telemetry + request id. */
export type HeaderSet = "metered" | "request-id" | "none";

export interface NamedExample {
  summary?: string;
  value: Json;
}

export interface ResponseDoc {
  description: string;
  /** Defaults to application/json. */
  contentType?: string;
  schema?: TSchema | JsonObject;
  examples?: Record<string, NamedExample>;
  /** Adds a text/event-stream alternative (stream: true) with this example. */
  stream?: string;
}

export interface HeaderParamDoc {
  name: string;
  description: string;
  example?: string;
  required?: boolean;
}

export interface OperationDoc {
  summary?: string;
  description?: string;
  auth?: AuthMode;
  errorFormat?: ErrorFormat;
  errors?: number[];
  headers?: HeaderSet;
  /** Success headers particular to this operation, by name (header objects). */
  extraHeaders?: Record<string, JsonObject>;
  successStatus?: number;
  success?: ResponseDoc;
  /** Other documented non-error statuses, e.g. 503 from a readiness probe. */
  otherResponses?: Record<string, ResponseDoc>;
  requestExamples?: Record<string, NamedExample>;
  headerParams?: HeaderParamDoc[];
  pathParamExamples?: Record<string, string>;
}

export interface OperationContext {
  path: string;
  method: HttpMethod;
  hasBody: boolean;
  hasPathParams: boolean;
}

export interface DocSpec {
  info: JsonObject;
  servers: JsonObject[];
  tags: { name: string; description: string }[];
  securitySchemes: JsonObject;
  /**
   * The security requirements of an operation; [] is "no auth". The first one is what the
   * Postman collection uses, so each protocol can lead with the header its SDKs send.
   */
  security(auth: AuthMode, format: ErrorFormat): JsonObject[];
  /** components.headers; success and error headers below refer to them by name. */
  headerComponents: Record<string, JsonObject>;
  successHeaders(set: HeaderSet, format: ErrorFormat): Record<string, string>;
  errorHeaders(format: ErrorFormat, status: number): Record<string, string>;
  /** Schemas every document carries (the error bodies), by component name. */
  schemas: Record<string, TSchema>;
  errorSchema: Record<ErrorFormat, string>;
  errorExample(format: ErrorFormat, status: number): { description: string; body: Json };
  operations: Record<string, OperationDoc>;
  defaults(ctx: OperationContext): OperationDoc;
}

export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function enrich(raw: { paths: JsonObject; schemas: JsonObject }, spec: DocSpec): JsonObject {
  const components: JsonObject = {
    securitySchemes: toJson(spec.securitySchemes),
    headers: toJson(spec.headerComponents),
    responses: {},
    schemas: { ...raw.schemas },
  };
  const doc: JsonObject = {
    openapi: OPENAPI_VERSION,
    info: spec.info,
    servers: spec.servers,
    tags: [],
    paths: raw.paths,
    components,
  };
  const schemas = objectAt(components, "schemas");
  for (const [name, schema] of Object.entries(spec.schemas)) schemas[name] = stripTitle(toJson(schema));

  for (const { path, method, op } of operations(doc)) {
    const params = Array.isArray(op.parameters) ? op.parameters : [];
    const ctx: OperationContext = {
      path,
      method,
      hasBody: isObject(op.requestBody),
      hasPathParams: params.some((p) => isObject(p) && p.in === "path"),
    };
    const profile: OperationDoc = { ...spec.defaults(ctx), ...spec.operations[operationKey(method, path)] };
    applyProfile(doc, spec, op, profile);
  }

  doc.tags = usedTags(doc, spec.tags);
  hoistTitledSchemas(doc);
  return doc;
}

function applyProfile(doc: JsonObject, spec: DocSpec, op: JsonObject, p: OperationDoc): void {
  if (p.summary && typeof op.summary !== "string") op.summary = p.summary;
  if (p.description && typeof op.description !== "string") op.description = p.description;
  const format = p.errorFormat ?? "openai";
  if (!Array.isArray(op.security) && p.auth) op.security = toJson(spec.security(p.auth, format));

  const params = Array.isArray(op.parameters) ? op.parameters : [];
  for (const param of params) {
    if (isObject(param) && param.in === "path" && typeof param.name === "string") {
      const example = p.pathParamExamples?.[param.name];
      if (example !== undefined && param.example === undefined) param.example = example;
    }
  }
  for (const h of p.headerParams ?? []) {
    if (params.some((x) => isObject(x) && x.in === "header" && typeof x.name === "string" && x.name.toLowerCase() === h.name)) continue;
    params.push({
      name: h.name,
      in: "header",
      required: h.required ?? false,
      description: h.description,
      schema: { type: "string" },
      ...(h.example !== undefined ? { example: h.example } : {}),
    });
  }
  if (params.length > 0) op.parameters = params;

  if (isObject(op.requestBody)) {
    const media = objectAt(objectAt(op.requestBody, "content"), "application/json");
    if (p.requestExamples && mediaExample(doc, media) === undefined) media.examples = toJson(p.requestExamples);
    if (mediaExample(doc, media) === undefined) media.example = exampleFromSchema(doc, media.schema);
  }

  const responses = objectAt(op, "responses");
  const hasSuccess = Object.keys(responses).some((s) => /^2/.test(s));
  if (!hasSuccess) {
    responses[String(p.successStatus ?? 200)] = responseObject(p.success ?? { description: "Success" });
  }
  for (const [status, r] of Object.entries(p.otherResponses ?? {})) {
    if (responses[status] === undefined) responses[status] = responseObject(r);
  }
  for (const [status, r] of Object.entries(responses)) {
    if (!/^2/.test(status) || !isObject(r)) continue;
    const headers = objectAt(r, "headers");
    for (const [name, component] of Object.entries(spec.successHeaders(p.headers ?? "none", format))) {
      headers[name] ??= { $ref: `#/components/headers/${component}` };
    }
    for (const [name, header] of Object.entries(p.extraHeaders ?? {})) headers[name] ??= toJson(header);
    if (Object.keys(headers).length === 0) delete r.headers;
  }
  for (const status of p.errors ?? []) {
    const key = String(status);
    if (responses[key] !== undefined) continue;
    responses[key] = { $ref: `#/components/responses/${errorResponse(doc, spec, format, status)}` };
  }
  op.responses = sortStatuses(responses);
}

function responseObject(r: ResponseDoc): JsonObject {
  const out: JsonObject = { description: r.description };
  if (r.schema === undefined && r.stream === undefined) return out;
  const content: JsonObject = {};
  if (r.schema !== undefined) {
    const media: JsonObject = { schema: toJson(r.schema) };
    if (r.examples) media.examples = toJson(r.examples);
    content[r.contentType ?? "application/json"] = media;
  }
  if (r.stream !== undefined) {
    content["text/event-stream"] = {
      schema: { type: "string", description: "Server-sent events (with stream: true), in this endpoint's own protocol" },
      example: r.stream,
    };
  }
  out.content = content;
  return out;
}

/** Shared error responses live in components.responses, one per format and status. */
function errorResponse(doc: JsonObject, spec: DocSpec, format: ErrorFormat, status: number): string {
  const name = `${format}-${status}`;
  const responses = objectAt(objectAt(doc, "components"), "responses");
  if (responses[name] !== undefined) return name;
  const { description, body } = spec.errorExample(format, status);
  const headers: JsonObject = {};
  for (const [header, component] of Object.entries(spec.errorHeaders(format, status))) {
    headers[header] = { $ref: `#/components/headers/${component}` };
  }
  responses[name] = {
    description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: { "application/json": { schema: { $ref: `#/components/schemas/${spec.errorSchema[format]}` }, example: body } },
  };
  return name;
}

function sortStatuses(responses: JsonObject): JsonObject {
  const sorted: JsonObject = {};
  for (const key of Object.keys(responses).sort()) sorted[key] = responses[key];
  return sorted;
}

function usedTags(doc: JsonObject, known: { name: string; description: string }[]): Json[] {
  const used: string[] = [];
  for (const { op } of operations(doc)) {
    for (const t of Array.isArray(op.tags) ? op.tags : []) if (typeof t === "string" && !used.includes(t)) used.push(t);
  }
  const ordered: Json[] = known.filter((t) => used.includes(t.name)).map((t) => ({ name: t.name, description: t.description }));
  for (const name of used) if (!known.some((t) => t.name === name)) ordered.push({ name });
  return ordered;
}

function stripTitle(schema: Json): Json {
  if (!isObject(schema)) return schema;
  const { title: _title, ...rest } = schema;
  return rest;
}

const SCHEMA_MAPS = ["properties", "patternProperties", "$defs"] as const;
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const SCHEMA_SLOTS = ["items", "additionalProperties", "not", "contains", "if", "then", "else"] as const;

/**
 * Schemas with a title (the TypeBox request and response schemas name themselves) become
 * components referenced by $ref: Swagger UI lists them as models and the file shrinks.
 * Only schema positions are walked, so an example that happens to have a `title` field is
 * left alone.
 */
function hoistTitledSchemas(doc: JsonObject): void {
  const schemas = objectAt(objectAt(doc, "components"), "schemas");

  const visit = (schema: Json | undefined): Json | undefined => {
    if (!isObject(schema)) return schema;
    walkChildren(schema, visit);
    if (typeof schema.title !== "string" || schema.$ref !== undefined) return schema;
    const base = schema.title.replace(/[^A-Za-z0-9._-]/g, "_");
    const body = stripTitle(schema);
    for (let i = 1; ; i++) {
      const name = i === 1 ? base : `${base}_${i}`;
      const existing = schemas[name];
      if (existing === undefined) {
        schemas[name] = body;
        return { $ref: `#/components/schemas/${name}` };
      }
      if (JSON.stringify(existing) === JSON.stringify(body)) return { $ref: `#/components/schemas/${name}` };
    }
  };

  for (const [name, schema] of Object.entries(schemas)) {
    if (isObject(schema)) walkChildren(schema, visit);
    schemas[name] = schema;
  }
  for (const { op } of operations(doc)) {
    for (const param of Array.isArray(op.parameters) ? op.parameters : []) {
      if (isObject(param)) param.schema = visit(param.schema);
    }
    const bodies: Json[] = [op.requestBody ?? null];
    if (isObject(op.responses)) bodies.push(...Object.values(op.responses).map((r) => r ?? null));
    for (const holder of bodies) {
      const resolved = deref(doc, holder);
      if (!isObject(resolved) || resolved !== holder || !isObject(resolved.content)) continue;
      for (const media of Object.values(resolved.content)) if (isObject(media)) media.schema = visit(media.schema);
    }
  }
}

function walkChildren(schema: JsonObject, visit: (s: Json | undefined) => Json | undefined): void {
  for (const key of SCHEMA_MAPS) {
    const map = schema[key];
    if (isObject(map)) for (const [k, v] of Object.entries(map)) map[k] = visit(v);
  }
  for (const key of SCHEMA_LISTS) {
    const list = schema[key];
    if (Array.isArray(list)) schema[key] = list.map((v) => visit(v) ?? null);
  }
  for (const key of SCHEMA_SLOTS) {
    if (isObject(schema[key])) schema[key] = visit(schema[key]);
  }
}
