// What both web consoles (dashboard, admin panel) do the same way around a signed-in
// session: the session cookie, the double-submit token of the sign-in forms, and the two
// route wrappers that send strangers to sign in and check every form's CSRF token.
import { clearCookie, readCookie, setCookie } from "./cookies.ts";
import { CSRF_FIELD, newToken, tokensMatch } from "./csrf.ts";
import { isHttps, readForm, redirect } from "./http.ts";

/** An error shown to the user as a page with this status. */
export class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RouteContext {
  request: Request;
  params: Record<string, string>;
}

export interface ConsoleCookies {
  /** Path every page and cookie of the console lives under. */
  prefix: string;
  sessionCookie: string;
  /** Cookie of the sign-in forms' double-submit token. */
  preCookie: string;
  /** Persistent session cookie for this long; a browser-session cookie when absent. */
  sessionMaxAgeSeconds?: number;
  /** Told when a sign-in form's token does not match its cookie. */
  preSessionExpired: string;
}

const FORM_EXPIRED = "This form has expired or did not come from this site. Go back, reload the page and try again.";

export abstract class SignedInConsole<Ctx extends { request: Request; csrf: string }> {
  constructor(private readonly cookies: ConsoleCookies) {}

  /** The signed-in context of a request, or null for a stranger. */
  abstract signedIn(request: Request): Promise<Ctx | null>;

  sessionCookie(request: Request, token: string): string {
    const { prefix, sessionCookie, sessionMaxAgeSeconds } = this.cookies;
    return setCookie(sessionCookie, token, { path: prefix, secure: isHttps(request), maxAgeSeconds: sessionMaxAgeSeconds });
  }

  clearSessionCookie(request: Request): string {
    return clearCookie(this.cookies.sessionCookie, { path: this.cookies.prefix, secure: isHttps(request) });
  }

  sessionToken(request: Request): string | null {
    return readCookie(request, this.cookies.sessionCookie);
  }

  /** The double-submit token of the sign-in forms: the cookie's, or a new one to set. */
  preSessionToken(request: Request): { token: string; cookie: string | null } {
    const existing = readCookie(request, this.cookies.preCookie);
    if (existing && existing.length <= 100) return { token: existing, cookie: null };
    const token = newToken();
    return { token, cookie: setCookie(this.cookies.preCookie, token, { path: this.cookies.prefix, secure: isHttps(request) }) };
  }

  /** Sign-in (and sign-up) posts: the form's token must equal the cookie's. */
  checkPreSession(request: Request, form: URLSearchParams): void {
    if (!tokensMatch(form.get(CSRF_FIELD), readCookie(request, this.cookies.preCookie))) {
      throw new PageError(403, this.cookies.preSessionExpired);
    }
  }

  /** A GET page for the signed-in; others are sent to sign in and brought back. */
  view(handler: (ctx: Ctx, params: Record<string, string>) => Promise<Response>) {
    return async ({ request, params }: RouteContext): Promise<Response> => {
      const ctx = await this.signedIn(request);
      if (!ctx) {
        const url = new URL(request.url);
        return redirect(`${this.cookies.prefix}/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      }
      return handler(ctx, params);
    };
  }

  /** A form post of the signed-in, accepted only with the session's CSRF token. */
  action(handler: (ctx: Ctx, form: URLSearchParams, params: Record<string, string>) => Promise<Response>) {
    return async ({ request, params }: RouteContext): Promise<Response> => {
      const form = await readForm(request);
      const ctx = await this.signedIn(request);
      if (!ctx) return redirect(`${this.cookies.prefix}/login`);
      if (!tokensMatch(form.get(CSRF_FIELD), ctx.csrf)) throw new PageError(403, FORM_EXPIRED);
      return handler(ctx, form, params);
    };
  }
}
