// Local input-token counting for /v1/messages/count_tokens when the model's upstream has no
// count endpoint of its own. Pure: no I/O, no clock. Text goes through a real BPE tokenizer
// (o200k_base, the encoding of OpenAI's current models); images, documents and the chat
// framing are documented estimates (docs/count-tokens.md lists them and measures the error).
import { countTokens as o200kCount } from "gpt-tokenizer/encoding/o200k_base";

/**
 * User text may contain "<|endoftext|>" and friends. Upstreams read those as plain text, and
 * gpt-tokenizer's default would throw on them, so no special token is recognised.
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * Chat framing per message as OpenAI's cookbook counts it for o200k models: 3 tokens of
 * boundaries plus the tokens of the role name itself.
 */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
export const REPLY_PRIMING_TOKENS = 3;
/** Framing around one tool definition (namespace/function wrapper) beyond its name, description and schema. */
export const TOOL_OVERHEAD_TOKENS = 8;
/** Anthropic's ceiling for one image after its automatic downscale (about 1.15 megapixels). */
export const MAX_IMAGE_TOKENS = 1600;
/** An image whose size cannot be read (URL, unknown format) is assumed to be as large as allowed. */
export const UNKNOWN_IMAGE_TOKENS = MAX_IMAGE_TOKENS;
/** Anthropic bills PDF pages as an image plus their text: 1,500-3,000 tokens a page; the low end. */
export const PDF_PAGE_TOKENS = 1500;
/** Long edge after Anthropic's automatic downscale. */
const MAX_IMAGE_EDGE = 1568;
/** Anthropic: tokens = width x height / 750. */
const PIXELS_PER_TOKEN = 750;

export function countTextTokens(text: string): number {
  return text === "" ? 0 : o200kCount(text, PLAIN_TEXT);
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface TokenBreakdown {
  /** system + messages text (text blocks, tool_use names and input JSON, tool results). */
  text: number;
  tools: number;
  images: number;
  documents: number;
  /** Message framing and reply priming. */
  framing: number;
  total: number;
}

/**
 * Counts an Anthropic Messages request (the count_tokens body: model, system, messages,
 * tools; anything else does not reach the model as input and is ignored).
 */
export function countRequestTokens(body: Json): TokenBreakdown {
  const acc: Omit<TokenBreakdown, "total"> = { text: 0, tools: 0, images: 0, documents: 0, framing: 0 };
  const system = body.system;
  if (typeof system === "string") {
    if (system !== "") {
      acc.text += countTextTokens(system);
      acc.framing += messageFraming("system");
    }
  } else if (Array.isArray(system) && system.length > 0) {
    for (const block of system) countBlock(block, acc);
    acc.framing += messageFraming("system");
  }
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    if (!isObject(m)) continue;
    acc.framing += messageFraming(typeof m.role === "string" ? m.role : "");
    if (typeof m.content === "string") acc.text += countTextTokens(m.content);
    else if (Array.isArray(m.content)) for (const block of m.content) countBlock(block, acc);
  }
  acc.framing += REPLY_PRIMING_TOKENS;
  if (Array.isArray(body.tools)) for (const tool of body.tools) acc.tools += countTool(tool);
  return { ...acc, total: acc.text + acc.tools + acc.images + acc.documents + acc.framing };
}

function messageFraming(role: string): number {
  return MESSAGE_OVERHEAD_TOKENS + countTextTokens(role);
}

function countTool(tool: unknown): number {
  if (!isObject(tool)) return 0;
  // Server tools (web_search, code_execution, ...) have no schema here: the upstream expands
  // them into definitions we cannot see, so their JSON is the best stand-in.
  if (tool.input_schema === undefined) return TOOL_OVERHEAD_TOKENS + countTextTokens(JSON.stringify(tool));
  let n = TOOL_OVERHEAD_TOKENS;
  if (typeof tool.name === "string") n += countTextTokens(tool.name);
  if (typeof tool.description === "string") n += countTextTokens(tool.description);
  n += countTextTokens(JSON.stringify(tool.input_schema));
  return n;
}

function countBlock(block: unknown, acc: Omit<TokenBreakdown, "total">): void {
  if (typeof block === "string") {
    acc.text += countTextTokens(block);
    return;
  }
  if (!isObject(block)) return;
  switch (block.type) {
    case "text":
      if (typeof block.text === "string") acc.text += countTextTokens(block.text);
      return;
    case "tool_use":
    case "server_tool_use":
      if (typeof block.name === "string") acc.text += countTextTokens(block.name);
      acc.text += countTextTokens(JSON.stringify(block.input ?? {}));
      return;
    case "tool_result":
      if (typeof block.content === "string") acc.text += countTextTokens(block.content);
      else if (Array.isArray(block.content)) for (const inner of block.content) countBlock(inner, acc);
      return;
    case "image":
      acc.images += imageTokens(block.source);
      return;
    case "document":
      countDocument(block, acc);
      return;
    // Thinking from earlier turns is stripped by the upstream before the model sees it.
    case "thinking":
    case "redacted_thinking":
      return;
    default: {
      // A block type newer than this counter: its JSON, less the type tag, over-counts
      // slightly rather than silently counting nothing.
      const { type: _type, ...rest } = block;
      acc.text += countTextTokens(JSON.stringify(rest));
    }
  }
}

function countDocument(block: Json, acc: Omit<TokenBreakdown, "total">): void {
  const source = isObject(block.source) ? block.source : {};
  if (typeof block.title === "string") acc.text += countTextTokens(block.title);
  if (typeof block.context === "string") acc.text += countTextTokens(block.context);
  if (source.type === "text" && typeof source.data === "string") {
    acc.text += countTextTokens(source.data);
  } else if (source.type === "content" && Array.isArray(source.content)) {
    for (const inner of source.content) countBlock(inner, acc);
  } else if (source.type === "base64" && typeof source.data === "string") {
    acc.documents += pdfPageCount(source.data) * PDF_PAGE_TOKENS;
  } else {
    acc.documents += PDF_PAGE_TOKENS;
  }
}

/** Pages of a base64 PDF, from its page objects; at least one. */
export function pdfPageCount(base64: string): number {
  const text = Buffer.from(base64, "base64").toString("latin1");
  // "/Type /Page" but not "/Type /Pages" (the page tree node).
  const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g);
  return Math.max(1, pages?.length ?? 0);
}

/**
 * Anthropic's published estimate: tokens = width x height / 750, after the image is scaled
 * down to a long edge of at most 1568 px and at most ~1600 tokens. Sizes come from the
 * header of a base64 PNG, JPEG, GIF or WebP; anything else (URLs, files, unknown formats)
 * counts as the largest image.
 */
export function imageTokens(source: unknown): number {
  if (!isObject(source) || source.type !== "base64" || typeof source.data !== "string") return UNKNOWN_IMAGE_TOKENS;
  const size = imageSize(source.data);
  return size ? imageTokensForSize(size.width, size.height) : UNKNOWN_IMAGE_TOKENS;
}

export function imageTokensForSize(width: number, height: number): number {
  if (width <= 0 || height <= 0) return UNKNOWN_IMAGE_TOKENS;
  let w = width;
  let h = height;
  const edge = Math.max(w, h);
  if (edge > MAX_IMAGE_EDGE) {
    w = (w * MAX_IMAGE_EDGE) / edge;
    h = (h * MAX_IMAGE_EDGE) / edge;
  }
  return Math.min(MAX_IMAGE_TOKENS, Math.max(1, Math.ceil((w * h) / PIXELS_PER_TOKEN)));
}

/** Header bytes are enough for PNG, GIF and WebP; JPEG keeps its size after the EXIF/ICC segments. */
const JPEG_SCAN_BYTES = 1 << 20;

export function imageSize(base64: string): { width: number; height: number } | null {
  // Decoding only a prefix keeps a 5 MB image from costing 5 MB here; 4 base64 chars = 3 bytes.
  const bytes = Buffer.from(base64.slice(0, Math.ceil(JPEG_SCAN_BYTES / 3) * 4), "base64");
  return pngSize(bytes) ?? jpegSize(bytes) ?? gifSize(bytes) ?? webpSize(bytes);
}

function pngSize(b: Buffer): { width: number; height: number } | null {
  // Signature, then the IHDR chunk: length(4) "IHDR" width(4) height(4), big-endian.
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47 || b.toString("latin1", 12, 16) !== "IHDR") return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function jpegSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    // Fill bytes and standalone markers carry no length.
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    // SOF0-SOF15 hold the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    if (len < 2) return null;
    i += 2 + len;
  }
  return null;
}

function gifSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 10 || b.toString("latin1", 0, 4) !== "GIF8") return null;
  return { width: b.readUInt16LE(6), height: b.readUInt16LE(8) };
}

function webpSize(b: Buffer): { width: number; height: number } | null {
  if (b.length < 30 || b.toString("latin1", 0, 4) !== "RIFF" || b.toString("latin1", 8, 12) !== "WEBP") return null;
  const chunk = b.toString("latin1", 12, 16);
  if (chunk === "VP8 ") return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  if (chunk === "VP8L") {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  return null;
}
