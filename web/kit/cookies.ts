// Cookies of the consoles. Always HttpOnly (no script reads them) and SameSite=Lax (no
// cross-site POST carries them). Both consoles may share a host on different ports, and
// cookies ignore ports, so each uses its own names and its own Path.

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return value === "" ? null : value;
    }
  }
  return null;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Omitted: a browser-session cookie. */
  maxAgeSeconds?: number;
}

export function setCookie(name: string, value: string, opts: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${opts.path}`, "HttpOnly", "SameSite=Lax"];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  if (opts.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(name: string, opts: Omit<CookieOptions, "maxAgeSeconds">): string {
  return setCookie(name, "", { ...opts, maxAgeSeconds: 0 });
}
