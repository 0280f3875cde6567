// Known o200k counts come from js-tiktoken 1.0.21 (an implementation independent of the
// gpt-tokenizer package the counter uses), so a wrong encoding or a wrong special-token
// setting shows up here, not only in production numbers.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  countRequestTokens,
  countTextTokens,
  imageSize,
  imageTokens,
  imageTokensForSize,
  MAX_IMAGE_TOKENS,
  pdfPageCount,
  PDF_PAGE_TOKENS,
  type TokenBreakdown,
} from "./tokenizer.ts";

const TEXT_CASES: [string, number][] = [
  ["", 0],
  ["hello world", 2],
  ["Hello, world!", 4],
  ["tiktoken is great!", 6],
  ["The quick brown fox jumps over the lazy dog.", 10],
  ["<|endoftext|>", 7],
  ["Selamat pagi, apa kabar? Saya ingin memesan nasi goreng.", 16],
  ["こんにちは世界", 2],
  ["👋🌍", 4],
  ["function add(a, b) {\n  return a + b;\n}\n", 14],
  ['{"city":"Oslo","unit":"celsius"}', 11],
  ["1234567890", 4],
  ["   \n\n\t", 2],
  ["a".repeat(1000), 125],
  ["Привет, как дела?", 6],
  ["https://example.com/path?q=1&r=2", 11],
];

describe("countTextTokens (o200k_base)", () => {
  test.each(TEXT_CASES)("%j -> %d tokens", (text, expected) => {
    expect(countTextTokens(text)).toBe(expected);
  });
});

function pngHeader(width: number, height: number): string {
  const b = Buffer.alloc(33);
  b.writeUInt32BE(0x89504e47, 0);
  b.writeUInt32BE(0x0d0a1a0a, 4);
  b.writeUInt32BE(13, 8);
  b.write("IHDR", 12, "latin1");
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString("base64");
}

function jpegHeader(width: number, height: number): string {
  const soi = [0xff, 0xd8];
  // An APP1 segment first, as cameras write EXIF before the frame header.
  const app1 = [0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00];
  const sof2 = [0xff, 0xc2, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01];
  return Buffer.from([...soi, ...app1, ...sof2]).toString("base64");
}

function gifHeader(width: number, height: number): string {
  const b = Buffer.alloc(13);
  b.write("GIF89a", 0, "latin1");
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b.toString("base64");
}

function webpVp8xHeader(width: number, height: number): string {
  const b = Buffer.alloc(30);
  b.write("RIFF", 0, "latin1");
  b.writeUInt32LE(22, 4);
  b.write("WEBPVP8X", 8, "latin1");
  b.writeUInt32LE(10, 16);
  b.writeUIntLE(width - 1, 24, 3);
  b.writeUIntLE(height - 1, 27, 3);
  return b.toString("base64");
}

describe("image sizes from base64 headers", () => {
  test.each([
    ["png", pngHeader(200, 100), { width: 200, height: 100 }],
    ["jpeg (progressive, after EXIF)", jpegHeader(4000, 3000), { width: 4000, height: 3000 }],
    ["gif", gifHeader(640, 480), { width: 640, height: 480 }],
    ["webp (VP8X)", webpVp8xHeader(1024, 768), { width: 1024, height: 768 }],
    ["not an image", Buffer.from("hello, this is text").toString("base64"), null],
    ["truncated png", pngHeader(10, 10).slice(0, 12), null],
  ])("%s", (_name, data, expected) => {
    expect(imageSize(data)).toEqual(expected);
  });
});

describe("image token estimate (width x height / 750, downscaled, capped)", () => {
  test.each([
    [200, 100, 27],
    [1, 1, 1],
    [1000, 1000, 1334],
    // Anthropic's own table: 1092 x 1092 (1:1) is about 1590 tokens.
    [1092, 1092, 1590],
    // 4000 x 3000 is scaled to 1568 x 1176 (2459 tokens), then capped.
    [4000, 3000, MAX_IMAGE_TOKENS],
    // 3136 x 200 keeps its aspect: 1568 x 100 -> 210 tokens.
    [3136, 200, 210],
    [0, 100, MAX_IMAGE_TOKENS],
  ])("%d x %d -> %d", (w, h, expected) => {
    expect(imageTokensForSize(w, h)).toBe(expected);
  });

  test("a base64 image is sized from its header; a URL or unknown data is the ceiling", () => {
    expect(imageTokens({ type: "base64", media_type: "image/png", data: pngHeader(200, 100) })).toBe(27);
    expect(imageTokens({ type: "url", url: "https://example.org/a.png" })).toBe(MAX_IMAGE_TOKENS);
    expect(imageTokens({ type: "base64", media_type: "image/png", data: "AAAA" })).toBe(MAX_IMAGE_TOKENS);
    expect(imageTokens(undefined)).toBe(MAX_IMAGE_TOKENS);
  });
});

describe("request counting", () => {
  test("a PDF counts per page", () => {
    const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n3 0 obj <</Type/Page>>\n").toString("base64");
    expect(pdfPageCount(pdf)).toBe(2);
    const counted = countRequestTokens({
      messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: pdf } }] }],
    });
    expect(counted.documents).toBe(2 * PDF_PAGE_TOKENS);
  });

  test("unknown block types are counted from their JSON, not skipped", () => {
    const n = countRequestTokens({ messages: [{ role: "user", content: [{ type: "search_result", title: "Oslo weather", source: "x" }] }] });
    expect(n.text).toBe(countTextTokens(JSON.stringify({ title: "Oslo weather", source: "x" })));
  });

  test("missing or malformed fields count as nothing rather than throwing", () => {
    expect(countRequestTokens({}).total).toBe(3);
    expect(countRequestTokens({ messages: [null, 7, { role: "user" }], tools: [null, "x"] }).total).toBe(3 + 3 + 1);
  });
});

interface CorpusCase {
  name: string;
  request: Record<string, unknown>;
  o200k: TokenBreakdown;
}

const CORPUS_DIR = join(import.meta.dir, "../../test/corpus/count-tokens");
const corpus: [string, CorpusCase][] = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => {
    const c = JSON.parse(readFileSync(join(CORPUS_DIR, f), "utf8")) as CorpusCase;
    return [c.name, c];
  });

describe("corpus (test/corpus/count-tokens)", () => {
  test("is not empty", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(8);
  });
  test.each(corpus)("%s", (_name, c) => {
    expect(countRequestTokens(c.request)).toEqual(c.o200k);
  });
});
