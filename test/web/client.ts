// A cookie-keeping HTTP client for the consoles' pages: what a browser does with cookies,
// redirects left to the test, forms posted urlencoded, CSRF tokens read from the page.
export interface PageResponse {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
}

export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const first = c.split(";")[0] ?? "";
      const eq = first.indexOf("=");
      const name = first.slice(0, eq);
      const value = first.slice(eq + 1);
      if (value === "" || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, init: { form?: Record<string, string>; body?: string; contentType?: string } = {}): Promise<PageResponse> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    } else if (init.body !== undefined) {
      headers["content-type"] = init.contentType ?? "application/json";
      body = init.body;
    }
    const res = await fetch(this.base + path, { method, headers, body, redirect: "manual" });
    this.remember(res);
    return { status: res.status, location: res.headers.get("location"), headers: res.headers, text: await res.text() };
  }

  get(path: string): Promise<PageResponse> {
    return this.request("GET", path);
  }

  post(path: string, form: Record<string, string>): Promise<PageResponse> {
    return this.request("POST", path, { form });
  }

  /** GET, following redirects within the site (what a browser shows). */
  async visit(path: string): Promise<PageResponse & { path: string }> {
    let at = path;
    for (let i = 0; i < 5; i++) {
      const r = await this.get(at);
      if (r.status !== 303 && r.status !== 302) return { ...r, path: at };
      at = r.location!;
    }
    throw new Error(`too many redirects from ${path}`);
  }
}

/** The CSRF token of the first form on a page. */
export function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m) throw new Error("no CSRF field on the page");
  return m[1]!;
}

let seq = 0;
export function uniqueEmail(tag: string): string {
  return `${tag}-${Date.now().toString(36)}-${seq++}@example.com`;
}

export const PASSWORD = "correct horse battery staple";

/** Signs up through the form and returns the client, signed in, and the CSRF token of its session. */
export async function signUp(base: string, email = uniqueEmail("user"), password = PASSWORD): Promise<{ client: WebClient; email: string; csrf: string }> {
  const client = new WebClient(base);
  const form = await client.get("/app/signup");
  const r = await client.post("/app/signup", { _csrf: csrfOf(form.text), email, password });
  if (r.status !== 303) throw new Error(`sign-up answered ${r.status}: ${r.text.slice(0, 300)}`);
  const page = await client.visit(r.location!);
  return { client, email, csrf: csrfOf(page.text) };
}
