// The monthly ledger partitions (migration 0005): rows land in their month, partitions exist
// ahead, an event is still written at most once without a unique index on the ledger, and a
// database with an unpartitioned ledger keeps every row through the upgrade. On PGlite in the
// embedded pass, on fresh Postgres databases in the services pass.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import type { Database } from "./client.ts";
import { migrate } from "./migrate.ts";
import { ensureLedgerPartitions } from "./ledger-partitions.ts";
import { creditInTx } from "./tx.ts";
import { openPassDatabase } from "../test/helpers/harness.ts";

/** A fresh, empty database for one test, closed (and dropped) after it. */
async function withDatabase(fn: (database: Database) => Promise<void>): Promise<void> {
  const { database, close } = await openPassDatabase();
  try {
    await fn(database);
  } finally {
    await close();
  }
}

const monthName = (d: Date) => `ledger_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
const monthsFromNow = (n: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + n, 15));
};

async function partitions(database: Database): Promise<string[]> {
  const rows = await database.rows<{ name: string }>(
    "select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'ledger'::regclass order by 1",
  );
  return rows.map((r) => r.name);
}

async function balanceOf(database: Database, userId: string): Promise<bigint> {
  const rows = await database.rows<{ b: string }>("select balance_micro::text as b from users where id = $1", [userId]);
  return BigInt(rows[0]!.b);
}

describe("ledger partitions", () => {
  test("this month and the next two have partitions; a row lands in its month's", async () =>
    withDatabase(async (database) => {
      await migrate(database);
      const names = await partitions(database);
      for (const n of [0, 1, 2]) expect(names).toContain(monthName(monthsFromNow(n)));
      expect(names).toContain("ledger_default");
      expect(await ensureLedgerPartitions(database)).toBe(0);

      await database.rows("insert into users (id, balance_micro) values ('u_now', 0)");
      await database.db.transaction((tx) => creditInTx(tx, { eventId: "now_1", kind: "topup", userId: "u_now", amountMicro: 5n, reason: "t" }));
      const where = await database.rows<{ part: string }>("select tableoid::regclass::text as part from ledger where event_id = 'now_1'");
      expect(where).toEqual([{ part: monthName(new Date()) }]);
    }));

  test("an event retried later (another created_at) is written and credited once", async () =>
    withDatabase(async (database) => {
      await migrate(database);
      await database.rows("insert into users (id, balance_micro) values ('u_retry', 0)");
      const credit = () =>
        database.db.transaction((tx) => creditInTx(tx, { eventId: "refund:r1", kind: "refund", userId: "u_retry", amountMicro: 700n, reason: "t" }));
      expect(await credit()).toBe(true);
      await Bun.sleep(5);
      expect(await credit()).toBe(false);
      expect(await balanceOf(database, "u_retry")).toBe(700n);
      const rows = await database.rows<{ n: number }>("select count(*)::int as n from ledger where event_id = 'refund:r1'");
      expect(rows[0]!.n).toBe(1);
    }));

  test("a month whose rows already sit in the default partition is left to it, not failed on", async () =>
    withDatabase(async (database) => {
      await migrate(database);
      const far = new Date(Date.UTC(2031, 4, 10));
      await database.rows("insert into users (id, balance_micro) values ('u_far', 0)");
      await database.rows("insert into ledger (event_id, kind, user_id, amount_micro, created_at) values ('far_1', 'topup', 'u_far', 1, $1)", [far.toISOString()]);
      const where = await database.rows<{ part: string }>("select tableoid::regclass::text as part from ledger where event_id = 'far_1'");
      expect(where).toEqual([{ part: "ledger_default" }]);
      await database.rows("select ensure_ledger_partitions($1::timestamptz, 0)", [far.toISOString()]);
      expect(await partitions(database)).not.toContain(monthName(far));
    }));

  test("upgrading a database with an unpartitioned ledger keeps every row, id and balance", async () =>
    withDatabase(async (database) => {
      // The schema as it was before 0005, with a ledger spanning two old months.
      const dir = new URL("./migrations/", import.meta.url);
      await database.execScript("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".sql") && f < "0005").sort()) {
        await database.execScript(readFileSync(new URL(file, dir), "utf8"));
        await database.rows("insert into schema_migrations (name) values ($1)", [file]);
      }
      await database.rows("insert into users (id, balance_micro) values ('u_old', 60)");
      await database.rows(
        `insert into ledger (event_id, kind, user_id, amount_micro, created_at) values
          ('old_1', 'topup', 'u_old', 100, '2025-01-20T10:00:00Z'),
          ('old_2', 'usage', 'u_old', -40, '2025-03-02T23:59:59.999Z')`,
      );
      const before = await database.rows<{ id: string; event_id: string }>("select id::text, event_id from ledger order by id");

      expect(await migrate(database)).toEqual(["0005_ledger_partitions.sql"]);
      const after = await database.rows<{ id: string; event_id: string; part: string }>("select id::text, event_id, tableoid::regclass::text as part from ledger order by id");
      expect(after.map(({ id, event_id }) => ({ id, event_id }))).toEqual(before);
      expect(after.map((r) => r.part)).toEqual(["ledger_2025_01", "ledger_2025_03"]);
      expect(await partitions(database)).toContain("ledger_2025_02");
      expect(await balanceOf(database, "u_old")).toBe(60n);

      // The old events are claimed: a replay writes nothing; new rows continue the id sequence.
      await database.db.transaction(async (tx) => {
        expect(await creditInTx(tx, { eventId: "old_1", kind: "topup", userId: "u_old", amountMicro: 100n, reason: "replay" })).toBe(false);
        expect(await creditInTx(tx, { eventId: "new_1", kind: "topup", userId: "u_old", amountMicro: 1n, reason: "new" })).toBe(true);
      });
      const ids = await database.rows<{ id: string }>("select id::text from ledger where event_id = 'new_1'");
      expect(BigInt(ids[0]!.id)).toBeGreaterThan(BigInt(before.at(-1)!.id));
      expect(await balanceOf(database, "u_old")).toBe(61n);
    }));
});
