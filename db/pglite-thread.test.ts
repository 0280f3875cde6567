// The embedded database on its worker thread keeps PGlite's single-connection semantics.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PGliteThread } from "./pglite-thread.ts";

let pg: PGliteThread;

beforeAll(async () => {
  pg = await PGliteThread.open("memory://");
  await pg.exec("create table t (id text primary key, n int not null)");
});
afterAll(() => pg.close());

async function ids(): Promise<string[]> {
  return (await pg.query<{ id: string }>("select id from t order by id")).rows.map((r) => r.id);
}

describe("PGlite on a worker thread", () => {
  test("a statement issued while a transaction is open waits for it, then sees its commit", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const tx = pg.transaction(async (t) => {
      await t.query("insert into t (id, n) values ($1, $2)", ["a", 1]);
      await gate;
      await t.query("insert into t (id, n) values ($1, $2)", ["b", 2]);
    });
    await Bun.sleep(20);
    let outsideDone = false;
    const outside = ids().then((r) => {
      outsideDone = true;
      return r;
    });
    await Bun.sleep(50);
    expect(outsideDone).toBe(false);
    release();
    await tx;
    expect(await outside).toEqual(["a", "b"]);
  });

  test("an error inside a transaction rolls all of it back and reaches the caller", async () => {
    const failed = pg.transaction(async (t) => {
      await t.query("insert into t (id, n) values ($1, $2)", ["c", 3]);
      await t.query("insert into t (id, n) values ($1, $2)", ["a", 9]);
    });
    await expect(failed).rejects.toMatchObject({ code: "23505" });
    expect(await ids()).toEqual(["a", "b"]);
  });

  test("parameters and results cross the thread intact: bigint, dates, json, arrays, array rows", async () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    const r = await pg.query<{ big: bigint | string; at: Date; doc: unknown; arr: number[] }>(
      "select $1::bigint + 1 as big, $2::timestamptz as at, $3::jsonb as doc, $4::int[] as arr",
      [9007199254740993n, at, JSON.stringify({ k: ["v", 1] }), [1, 2, 3]],
    );
    expect(String(r.rows[0]!.big)).toBe("9007199254740994");
    expect(new Date(r.rows[0]!.at).toISOString()).toBe(at.toISOString());
    expect(r.rows[0]!.doc).toEqual({ k: ["v", 1] });
    expect(r.rows[0]!.arr).toEqual([1, 2, 3]);
    // drizzle asks for array rows and for timestamps kept as text.
    const raw = await pg.query<unknown[]>("select $1::timestamptz as at", [at], { rowMode: "array", parsers: { 1184: (v: string) => v } });
    expect(typeof raw.rows[0]![0]).toBe("string");
  });

  test("two databases opened in one process are separate", async () => {
    const other = await PGliteThread.open("memory://");
    try {
      await other.exec("create table t (id text primary key, n int not null)");
      expect((await other.query("select id from t")).rows).toEqual([]);
      expect(await ids()).toEqual(["a", "b"]);
    } finally {
      await other.close();
    }
  });
});
