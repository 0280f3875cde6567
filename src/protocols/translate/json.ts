// Narrowing helpers for untyped JSON bodies. Translators read client and upstream payloads
// that were only loosely validated, so every field access goes through one of these.

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asRecord(v: unknown): Json | undefined {
  return isRecord(v) ? v : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A finite number, or undefined (NaN and Infinity are never meaningful in these protocols). */
export function asNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** `JSON.parse` that yields undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Copies `key` from `from` to `to` when present and not null. */
export function copyIfSet(to: Json, from: Json, key: string, as: string = key): void {
  const v = from[key];
  if (v !== undefined && v !== null) to[as] = v;
}
