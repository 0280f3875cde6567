import { describe, expect, test } from "bun:test";
import { CatalogRefresh } from "./catalog-refresh.ts";

/** A database whose catalog version changes, and reads that take as long as the script says. */
function fixture(readMs: number[], failures = 0, periodMs = 0) {
  const db = { version: 1 };
  const state = { served: 0, reads: 0, errors: [] as unknown[] };
  let toFail = failures;
  const refresh = new CatalogRefresh(
    async () => {
      state.reads++;
      const seen = db.version;
      await Bun.sleep(readMs.shift() ?? 1);
      if (toFail > 0) {
        toFail--;
        throw new Error("database unavailable");
      }
      state.served = seen;
    },
    { retryMs: 20, periodMs, onError: (err) => state.errors.push(err) },
  );
  return { db, state, refresh };
}

/** Long enough for every scripted read to finish; no read is asked for, so none hides a stale one. */
const settle = () => Bun.sleep(150);

describe("catalog refresh", () => {
  const cases: { name: string; readMs: number[]; changes: number; gapMs: number; maxReads: number }[] = [
    { name: "a slow first read cannot overwrite a later one", readMs: [60, 1], changes: 2, gapMs: 5, maxReads: 3 },
    { name: "many changes during one read share one more read", readMs: [50, 1, 1], changes: 10, gapMs: 1, maxReads: 3 },
    { name: "changes far apart each get their own read", readMs: [1, 1, 1], changes: 3, gapMs: 20, maxReads: 4 },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { db, state, refresh } = fixture(c.readMs);
      for (let i = 0; i < c.changes; i++) {
        db.version++;
        refresh.announce();
        await Bun.sleep(c.gapMs);
      }
      await settle();
      expect(state.served).toBe(db.version);
      expect(state.reads).toBeLessThanOrEqual(c.maxReads);
    });
  }

  test("refresh() resolves only after a read that began after the call", async () => {
    const { db, state, refresh } = fixture([40, 1]);
    refresh.announce();
    await Bun.sleep(5);
    db.version = 7;
    await refresh.refresh();
    expect(state.served).toBe(7);
  });

  test("a failed read is reported and retried until the catalog is current", async () => {
    const { db, state, refresh } = fixture([1, 1, 1], 2);
    db.version = 3;
    refresh.announce();
    const start = Date.now();
    while (state.served !== 3 && Date.now() - start < 2000) await Bun.sleep(5);
    expect(state.served).toBe(3);
    expect(state.errors).toHaveLength(2);
    refresh.stop();
  });

  test("a change whose announcement was lost is picked up by the periodic read", async () => {
    const { db, state, refresh } = fixture([], 0, 20);
    refresh.start();
    db.version = 5;
    const start = Date.now();
    while (state.served !== 5 && Date.now() - start < 2000) await Bun.sleep(5);
    refresh.stop();
    expect(state.served).toBe(5);
  });

  test("stop() cancels a pending retry", async () => {
    const { state, refresh } = fixture([1], 1);
    refresh.announce();
    await Bun.sleep(10);
    refresh.stop();
    await Bun.sleep(60);
    expect(state.reads).toBe(1);
  });
});
