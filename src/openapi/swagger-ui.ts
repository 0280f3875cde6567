// Swagger UI served from the swagger-ui-dist package by the server itself: no CDN, so the
// docs work offline and on private networks, and no third party sees who reads them.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIST = dirname(fileURLToPath(import.meta.resolve("swagger-ui-dist/package.json")));

/** The only files served, so a request path can never name anything else on disk. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
  "favicon-16x16.png": "image/png",
};

export function swaggerAsset(name: string): Response | null {
  const type = ASSETS[name];
  if (!type) return null;
  return new Response(Bun.file(join(DIST, name)), {
    headers: { "content-type": type, "cache-control": "public, max-age=86400" },
  });
}

export interface SwaggerPage {
  title: string;
  specUrl: string;
  /** Where the assets above are served, e.g. /swagger. */
  assetBase: string;
  downloads: { label: string; href: string }[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function swaggerHtml(page: SwaggerPage): string {
  const config = {
    url: page.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    docExpansion: "list",
    displayRequestDuration: true,
    filter: true,
    // The default posts the spec to validator.swagger.io, which fails offline and leaks it.
    validatorUrl: null,
  };
  // JSON in a <script> must not be able to close the tag.
  const configJson = JSON.stringify(config).replace(/</g, "\\u003c");
  const links = page.downloads.map((d) => `<a href="${escapeHtml(d.href)}" download>${escapeHtml(d.label)}</a>`).join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(page.title)}</title>
  <link rel="stylesheet" href="${page.assetBase}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${page.assetBase}/favicon-32x32.png">
  <style>
    body { margin: 0; }
    .downloads { font: 14px sans-serif; padding: 10px 20px; background: #1b1b1b; color: #ddd; }
    .downloads a { color: #8fd18f; }
  </style>
</head>
<body>
  <div class="downloads">Download: ${links}</div>
  <div id="swagger-ui"></div>
  <script src="${page.assetBase}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle(Object.assign(${configJson}, {
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    }));
  </script>
</body>
</html>
`;
}

/**
 * The origin a client reached us on, so the served document's server is callable as is.
 * x-forwarded-host is deliberately ignored: a cache in front could otherwise store a document
 * whose server (where Swagger UI sends keys) an attacker chose.
 */
export function originOf(request: Request): string {
  const url = new URL(request.url);
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim();
  const proto = forwarded === "https" || forwarded === "http" ? forwarded : url.protocol.replace(/:$/, "");
  return `${proto}://${url.host}`;
}
