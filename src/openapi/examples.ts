// Example values derived from a JSON Schema, for request bodies whose route gave none: the
// Postman collection needs a body it can send and Swagger UI a sensible "Try it out" default.
// Only required fields (and fields carrying their own example) are filled, so the result is
// the smallest body the schema accepts.
import { deref, isObject, type Json, type JsonObject } from "./json.ts";

const MAX_DEPTH = 8;

function firstOf(v: Json | undefined): Json | undefined {
  return Array.isArray(v) && v.length > 0 ? v[0] : undefined;
}

export function exampleFromSchema(doc: JsonObject, schema: Json | undefined, depth = 0): Json {
  const s = deref(doc, schema);
  if (!isObject(s) || depth > MAX_DEPTH) return null;
  if (s.example !== undefined) return s.example;
  const listed = firstOf(s.examples);
  if (listed !== undefined) return listed;
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  const enumerated = firstOf(s.enum);
  if (enumerated !== undefined) return enumerated;

  for (const key of ["oneOf", "anyOf"] as const) {
    const options = s[key];
    if (Array.isArray(options)) {
      // A nullable field's useful example is its non-null branch.
      const pick = options.find((o) => !(isObject(o) && o.type === "null")) ?? options[0];
      return exampleFromSchema(doc, pick, depth + 1);
    }
  }
  if (Array.isArray(s.allOf)) {
    const merged: JsonObject = {};
    for (const part of s.allOf) {
      const ex = exampleFromSchema(doc, part, depth + 1);
      if (isObject(ex)) Object.assign(merged, ex);
    }
    return merged;
  }

  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: JsonObject = {};
      const props = isObject(s.properties) ? s.properties : {};
      const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === "string") : []);
      for (const [name, prop] of Object.entries(props)) {
        const p = deref(doc, prop);
        const hasOwnExample = isObject(p) && (p.example !== undefined || Array.isArray(p.examples));
        if (required.has(name) || hasOwnExample) out[name] = exampleFromSchema(doc, prop, depth + 1);
      }
      // All-optional bodies (PATCH) are rejected when empty; show one field being set.
      const [firstName, firstProp] = Object.entries(props)[0] ?? [];
      if (Object.keys(out).length === 0 && firstName !== undefined && required.size === 0 && depth === 0) {
        out[firstName] = exampleFromSchema(doc, firstProp, depth + 1);
      }
      return out;
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      return min > 0 ? [exampleFromSchema(doc, s.items, depth + 1)] : [];
    }
    case "string":
      return stringExample(s);
    case "integer":
    case "number":
      return typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + 1 : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return isObject(s.properties) ? exampleFromSchema(doc, { ...s, type: "object" }, depth) : null;
  }
}

function stringExample(s: JsonObject): string {
  switch (s.format) {
    case "date-time":
      return "2026-01-01T00:00:00.000Z";
    case "email":
      return "user@example.com";
    case "uri":
    case "url":
      return "https://example.com";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
  }
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  return "string".padEnd(min, "x");
}

/** The first example a media type object carries, whichever way it is spelled. */
export function mediaExample(doc: JsonObject, media: Json | undefined): Json | undefined {
  if (!isObject(media)) return undefined;
  if (media.example !== undefined) return media.example;
  if (isObject(media.examples)) {
    for (const ex of Object.values(media.examples)) {
      const resolved = deref(doc, ex);
      if (isObject(resolved) && resolved.value !== undefined) return resolved.value;
    }
  }
  return undefined;
}
