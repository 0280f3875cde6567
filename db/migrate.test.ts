// Migrations apply once each, in order, and atomically: one that fails halfway leaves no
// trace and is not recorded, so the next start runs it again from the beginning. On PGlite
// in the embedded pass, on a fresh Postgres database in the services pass.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Database } from "./client.ts";
import { migrate } from "./migrate.ts";
import { openPassDatabase } from "../test/helpers/harness.ts";

let database: Database;
let closeDatabase: () => Promise<void>;
let dir: string;

beforeAll(async () => {
  ({ database, close: closeDatabase } = await openPassDatabase());
  dir = mkdtempSync(join(tmpdir(), "sluice-migrate-"));
});

afterAll(async () => {
  await closeDatabase();
  rmSync(dir, { recursive: true, force: true });
});

const dirUrl = () => pathToFileURL(`${dir}/`);
const tables = async () =>
  (await database.rows<{ t: string }>("select table_name as t from information_schema.tables where table_schema = 'public' and table_name like 'm_%' order by 1")).map((r) => r.t);

test("a migration that fails halfway leaves nothing and runs again, whole, once fixed", async () => {
  writeFileSync(join(dir, "0001_a.sql"), "CREATE TABLE m_a (x int);");
  writeFileSync(join(dir, "0002_b.sql"), "CREATE TABLE m_b (x int);\nINSERT INTO m_b VALUES (1);\nSELECT 1 / 0;");
  await expect(migrate(database, dirUrl())).rejects.toThrow(/division by zero/);
  // On Postgres the whole run is one transaction and rolls back; on PGlite 0001 stands. Either
  // way 0002 left nothing and is not recorded.
  const after = await tables();
  expect(after).not.toContain("m_b");
  const hasLog = (await database.rows<{ t: string | null }>("select to_regclass('schema_migrations')::text as t"))[0]!.t !== null;
  const recorded = hasLog ? (await database.rows<{ name: string }>("select name from schema_migrations order by 1")).map((r) => r.name) : [];
  expect(recorded).not.toContain("0002_b.sql");
  expect(recorded.includes("0001_a.sql")).toBe(after.includes("m_a"));

  writeFileSync(join(dir, "0002_b.sql"), "CREATE TABLE m_b (x int);\nINSERT INTO m_b VALUES (1);");
  const applied = await migrate(database, dirUrl());
  expect(applied).toContain("0002_b.sql");
  expect(await tables()).toEqual(["m_a", "m_b"]);
  expect(await database.rows("select x from m_b")).toEqual([{ x: 1 }]);
  expect(await migrate(database, dirUrl())).toEqual([]);
});
