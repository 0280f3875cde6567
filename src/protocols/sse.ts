// Raw SSE framing for relays that must forward upstream bytes unchanged: events are cut at
// the blank line that ends them and handed on as the exact text received. (Translation,
// which needs parsed fields rather than bytes, uses eventsource-parser instead.)

export class SseFramer {
  private buffer = "";

  /** Appends text and returns every event completed by it, each with its terminating blank line. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    let start = 0;
    for (;;) {
      const end = findEventEnd(this.buffer, start);
      if (end < 0) break;
      events.push(this.buffer.slice(start, end));
      start = end;
    }
    if (start > 0) this.buffer = this.buffer.slice(start);
    return events;
  }

  /** Whatever is left when the stream ends: an event that never got its blank line. */
  flush(): string {
    const rest = this.buffer;
    this.buffer = "";
    return rest;
  }
}

/**
 * Index just past the blank line ending the first event at or after `from`, or -1.
 * Handles LF and CRLF line ends (every provider uses one of the two).
 */
function findEventEnd(s: string, from: number): number {
  let i = s.indexOf("\n", from);
  while (i >= 0 && i + 1 < s.length) {
    const next = s.charCodeAt(i + 1);
    if (next === 10) return i + 2; // \n\n
    if (next === 13 && s.charCodeAt(i + 2) === 10) return i + 3; // \r\n\r\n
    i = s.indexOf("\n", i + 1);
  }
  return -1;
}

/** The `event:` name of a raw event, or "" when it has none. */
export function sseEventName(raw: string): string {
  if (!raw.startsWith("event:")) {
    const at = raw.indexOf("\nevent:");
    if (at < 0) return "";
    return lineValue(raw, at + 7);
  }
  return lineValue(raw, 6);
}

/** The joined `data:` lines of a raw event ("" when none). */
export function sseData(raw: string): string {
  let out: string | undefined;
  let pos = 0;
  while (pos < raw.length) {
    let end = raw.indexOf("\n", pos);
    if (end < 0) end = raw.length;
    let line = raw.slice(pos, end);
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.startsWith("data:")) {
      const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
      out = out === undefined ? value : out + "\n" + value;
    }
    pos = end + 1;
  }
  return out ?? "";
}

function lineValue(raw: string, from: number): string {
  let end = raw.indexOf("\n", from);
  if (end < 0) end = raw.length;
  return raw.slice(from, end).trim();
}

export function encodeSseData(data: string): string {
  return `data: ${data}\n\n`;
}

export function encodeSseEvent(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
