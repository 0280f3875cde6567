// Applies db/migrations/*.sql in name order, once each, recorded in schema_migrations.
import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "./client.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const MIGRATION_LOCK = 74_201_337;

export async function migrate(database: Database): Promise<string[]> {
  return database.exclusive(MIGRATION_LOCK, async (tx) => {
    await tx.execScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await tx.rows<{ name: string }>("select name from schema_migrations")).map((r) => r.name));
    const applied: string[] = [];
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".sql")).sort()) {
      if (done.has(file)) continue;
      await tx.execScript(readFileSync(new URL(file, MIGRATIONS_DIR), "utf8"));
      await tx.rows("insert into schema_migrations (name) values ($1)", [file]);
      applied.push(file);
    }
    return applied;
  });
}
