// A fresh Postgres database per test (or benchmark run), created next to the one `base`
// points at and dropped at the end.
import postgres from "postgres";
import { randomUUID } from "node:crypto";

export async function createTestDatabase(
  base = process.env.DATABASE_URL ?? "postgres://127.0.0.1:5432/test",
  namePrefix = "sluice_t",
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${namePrefix}_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const adminSql = postgres(base, { max: 1, onnotice: () => {} });
  await adminSql.unsafe(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await adminSql.unsafe(`drop database if exists ${name} with (force)`);
      await adminSql.end();
    },
  };
}
