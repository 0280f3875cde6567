// Rewrites the `model` field of a JSON document without re-serialising it, so a relayed
// body keeps every other byte. Only the places a response names its model are touched:
// the top level (OpenAI chat, non-streaming Anthropic) and one level down under `message`
// or `response` (Anthropic message_start, OpenAI Responses events). A "model" key inside
// tool arguments or content is left alone.

const NESTED_OWNERS = new Set(["message", "response"]);

export function rewriteModelField(json: string, model: string): string {
  if (json.indexOf('"model"') < 0) return json;
  const replacement = JSON.stringify(model);
  const keys: (string | null)[] = []; // key that opened each enclosing object/array
  let pendingKey: string | null = null;
  let i = 0;
  const n = json.length;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(json, i);
      if (end < 0) return json;
      let j = end;
      while (j < n && isSpace(json.charCodeAt(j))) j++;
      if (json.charCodeAt(j) === 58 /* : */) {
        const key = json.slice(i + 1, end - 1);
        const depth = keys.length;
        if (key === "model" && (depth === 1 || (depth === 2 && NESTED_OWNERS.has(keys[1] ?? "")))) {
          let v = j + 1;
          while (v < n && isSpace(json.charCodeAt(v))) v++;
          if (json.charCodeAt(v) !== 34) return json;
          const vEnd = stringEnd(json, v);
          if (vEnd < 0) return json;
          return json.slice(0, v) + replacement + json.slice(vEnd);
        }
        pendingKey = key;
        i = j + 1;
        continue;
      }
      i = end;
      pendingKey = null;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      keys.push(pendingKey);
      pendingKey = null;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      keys.pop();
    }
    i++;
  }
  return json;
}

/** Index just past the closing quote of the JSON string starting at `start`, or -1. */
export function stringEnd(s: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let k = q - 1; k > start && s.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
