// Password hashing with Bun.password (argon2id; the PHC string carries salt and parameters).
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 256;

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

// A real hash to verify against when the email is unknown, so that answer takes as long as
// a wrong password and the timing does not tell which emails have accounts.
let decoy: Promise<string> | null = null;

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (hash === null) {
    decoy ??= hashPassword("decoy password, never matches a real one");
    await Bun.password.verify(password, await decoy);
    return false;
  }
  try {
    return await Bun.password.verify(password, hash);
  } catch {
    // A malformed stored hash is a failed sign-in, not a 500.
    return false;
  }
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (password.length > MAX_PASSWORD) return `Use at most ${MAX_PASSWORD} characters.`;
  return null;
}
