// What both web consoles (dashboard, admin panel) do the same way around a signed-in
// session: the session cookie, the double-submit token of the sign-in forms, the two route
// wrappers that send strangers to sign in and check every form's CSRF token, and the page
// shell and error page around every page.
import { clearCookie, readCookie, setCookie } from "./cookies.ts";
import { CSRF_FIELD, newToken, tokensMatch } from "./csrf.ts";
import { html, type Html } from "./html.ts";
import { htmlResponse, isHttps, readForm, redirect } from "./http.ts";
import { layout, type Flash, type NavItem } from "./layout.ts";

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

/** The shell of a console's pages. */
export interface ConsoleShell {
  brand: string;
  /** Shown to the signed-in only. */
  nav: NavItem[];
  /** The link an error page offers when signing in would not help ("the dashboard"). */
  homeLabel: string;
}

export interface PageOptions {
  title: string;
  body: Html;
  current?: string;
  flash?: Flash | null;
  status?: number;
  cookies?: string[];
}

const FORM_EXPIRED = "This form has expired or did not come from this site. Go back, reload the page and try again.";

export abstract class SignedInConsole<Ctx extends { request: Request; csrf: string }> {
  constructor(
    private readonly cookies: ConsoleCookies,
    private readonly shell: ConsoleShell,
  ) {}

  /** The signed-in context of a request, or null for a stranger. */
  abstract signedIn(request: Request): Promise<Ctx | null>;

  /** How the signed-in bar names who is signed in. */
  protected abstract whoLabel(ctx: Ctx): string;

  /** The heading of an error page. */
  protected errorHeading(status: number): string {
    return `Error ${status}`;
  }

  /** A page in the console's shell: with the nav and signed-in bar for the signed-in, narrow for strangers. */
  page(ctx: Ctx | null, o: PageOptions): Response {
    const { prefix } = this.cookies;
    const body = layout({
      prefix,
      brand: this.shell.brand,
      title: o.title,
      nav: ctx ? this.shell.nav : [],
      current: o.current,
      who: ctx ? { label: this.whoLabel(ctx), csrf: ctx.csrf, logoutAction: `${prefix}/logout` } : undefined,
      flash: o.flash,
      body: o.body,
      narrow: ctx === null,
    });
    return htmlResponse(body, { status: o.status, cookies: o.cookies });
  }

  errorPage(status: number, message: string): Response {
    const { prefix } = this.cookies;
    const back = status === 401 || status === 403 ? html`<p><a href="${prefix}/login">Sign in</a></p>` : html`<p><a href="${prefix}">Back to ${this.shell.homeLabel}</a></p>`;
    return htmlResponse(
      layout({ prefix, brand: this.shell.brand, title: `Error ${status}`, nav: [], body: html`<h1>${this.errorHeading(status)}</h1><p>${message}</p>${back}`, narrow: true }),
      { status },
    );
  }

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
