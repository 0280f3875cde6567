// CSRF tokens. Signed-in pages use the synchronizer pattern: a random token stored with the
// session and echoed in every form. The sign-in and sign-up forms have no session yet, so
// they use a double-submit cookie: the same random value in an HttpOnly cookie and in the form.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "../../db/admin-token.ts";

export const CSRF_FIELD = "_csrf";

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Constant-time: both sides are hashed to the same length before comparing. */
export function tokensMatch(sent: string | null | undefined, expected: string | null | undefined): boolean {
  if (!sent || !expected) return false;
  return timingSafeEqual(Buffer.from(sha256Hex(sent), "hex"), Buffer.from(sha256Hex(expected), "hex"));
}
