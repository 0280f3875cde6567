// Plain JSON values and the few OpenAPI shapes this module builds. The generated document is
// treated as data (it is cloned through JSON first), so a loose, honest type beats casting to
// openapi-types' deeply optional interfaces at every step.

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Drops symbols (TypeBox's Kind markers), functions and undefined: what is left is JSON. */
export function toJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v) ?? "null") as Json;
}

export function toJsonObject(v: unknown): JsonObject {
  const j = toJson(v);
  if (!isObject(j)) throw new Error("expected a JSON object");
  return j;
}

export function objectAt(parent: JsonObject, key: string): JsonObject {
  const v = parent[key];
  if (isObject(v)) return v;
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OperationRef {
  path: string;
  method: HttpMethod;
  op: JsonObject;
}

/** Every operation of a document, in document order. */
export function operations(doc: JsonObject): OperationRef[] {
  const out: OperationRef[] = [];
  const paths = doc.paths;
  if (!isObject(paths)) return out;
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (isObject(op)) out.push({ path, method, op });
    }
  }
  return out;
}

/** Resolves a local `#/components/...` reference; other values are returned as they are. */
export function deref(doc: JsonObject, v: Json | undefined): Json | undefined {
  let cur = v;
  for (let hops = 0; hops < 16 && isObject(cur) && typeof cur.$ref === "string"; hops++) {
    const ref = cur.$ref;
    if (!ref.startsWith("#/")) return cur;
    let target: Json | undefined = doc;
    for (const part of ref.slice(2).split("/")) {
      const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
      target = isObject(target) ? target[key] : undefined;
    }
    cur = target;
  }
  return cur;
}
