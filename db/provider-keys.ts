// Upstream provider API keys at rest: AES-256-GCM, the key derived (HKDF-SHA256) from
// PROVIDER_KEY_SECRET, the provider id bound as associated data so a ciphertext copied onto
// another provider's row does not decrypt. Stored as "v1:" + base64(iv | tag | ciphertext).
//
// Without PROVIDER_KEY_SECRET a random secret is generated once and kept in the meta table,
// so several instances sharing the database agree on it. That protects nothing against
// someone holding the database, which is why it is only a development default and says so.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { Database } from "./client.ts";

const META_KEY = "provider_key_secret";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class ProviderKeyBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync("sha256", secret, "sluice/provider-keys", "aes-256-gcm v1", 32));
  }

  seal(plaintext: string, providerId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(providerId));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return "v1:" + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** The plaintext, or null when the value was sealed with another secret or tampered with. */
  open(sealed: string, providerId: string): string | null {
    if (!sealed.startsWith("v1:")) return null;
    const raw = Buffer.from(sealed.slice(3), "base64");
    if (raw.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(providerId));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      return null;
    }
  }
}

export async function openProviderKeyBox(database: Database, configured: string | undefined): Promise<ProviderKeyBox> {
  if (configured) return new ProviderKeyBox(configured);
  let stored = (await database.rows<{ value: string }>("select value from meta where key = $1", [META_KEY]))[0]?.value;
  if (!stored) {
    await database.rows("insert into meta (key, value) values ($1, $2) on conflict (key) do nothing", [META_KEY, randomBytes(32).toString("base64url")]);
    stored = (await database.rows<{ value: string }>("select value from meta where key = $1", [META_KEY]))[0]!.value;
  }
  console.warn(
    "[sluice] PROVIDER_KEY_SECRET is not set: provider API keys stored through the admin API are encrypted with a key kept in the database itself. Set PROVIDER_KEY_SECRET (e.g. `openssl rand -base64 32`) in production.",
  );
  return new ProviderKeyBox(stored);
}
