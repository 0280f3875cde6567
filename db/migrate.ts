// Applies db/migrations/*.sql in name order, once each, recorded in schema_migrations.
import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "./client.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const MIGRATION_LOCK = 74_201_337;

/** `dir` is for tests; the gateway applies its own migrations. */
export async function migrate(database: Database, dir: URL = MIGRATIONS_DIR): Promise<string[]> {
  return database.exclusive(MIGRATION_LOCK, async (tx) => {
    await tx.execScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await tx.rows<{ name: string }>("select name from schema_migrations")).map((r) => r.name));
    const applied: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
      if (done.has(file)) continue;
      // One script: the migration and its record commit together (PGlite's exec runs a
      // script as one implicit transaction), so a crash cannot leave a migration half done
      // or done but unrecorded, to be run again on the next start.
      if (!/^[\w.-]+$/.test(file)) throw new Error(`unexpected migration file name: ${file}`);
      await tx.execScript(`${readFileSync(new URL(file, dir), "utf8")}\n;\nINSERT INTO schema_migrations (name) VALUES ('${file}');`);
      applied.push(file);
    }
    return applied;
  });
}
