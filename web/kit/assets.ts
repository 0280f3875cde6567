// The console's stylesheet and script, committed next to this file and served by each
// console under its own prefix. URLs carry a content hash, so they can be cached for good.
import { readFileSync } from "node:fs";
import { sha256Hex } from "../../db/admin-token.ts";

interface Asset {
  body: string;
  type: string;
  version: string;
}

function load(name: string, type: string): Asset {
  const body = readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
  return { body, type, version: sha256Hex(body).slice(0, 12) };
}

const ASSETS: Record<string, Asset> = {
  "console.css": load("console.css", "text/css; charset=utf-8"),
  "console.js": load("console.js", "text/javascript; charset=utf-8"),
};

export type AssetName = "console.css" | "console.js";

export function assetUrl(prefix: string, name: AssetName): string {
  return `${prefix}/assets/${name}?v=${ASSETS[name]!.version}`;
}

export function serveAsset(name: string): Response {
  const asset = ASSETS[name];
  if (!asset) return new Response("Not found", { status: 404, headers: { "content-type": "text/plain" } });
  return new Response(asset.body, {
    headers: {
      "content-type": asset.type,
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
    },
  });
}
