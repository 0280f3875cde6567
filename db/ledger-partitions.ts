// The ledger is partitioned by month (migration 0005). Partitions are created ahead of time,
// at every start and once a day, so rows never wait on DDL; a month that was somehow missed
// still takes its rows in the default partition.
import type { Database } from "./client.ts";

const MONTHS_AHEAD = 2;
const DAY_MS = 86_400_000;
/** Instances starting together must not race to create the same partition. */
const PARTITION_LOCK = 74_201_338;

/** Creates the partitions from this month through MONTHS_AHEAD ahead; returns how many were new. */
export async function ensureLedgerPartitions(database: Database): Promise<number> {
  return database.exclusive(PARTITION_LOCK, async (tx) => {
    const rows = await tx.rows<{ created: number }>("select ensure_ledger_partitions(now(), $1::int) as created", [MONTHS_AHEAD]);
    return Number(rows[0]?.created ?? 0);
  });
}

/** Makes the partitions now, then again every day. */
export async function keepLedgerPartitions(database: Database, everyMs = DAY_MS): Promise<{ stop(): void }> {
  await ensureLedgerPartitions(database);
  const timer = setInterval(() => {
    ensureLedgerPartitions(database).catch((err: unknown) => console.error("[sluice] creating ledger partitions failed; next try in a day:", err));
  }, everyMs);
  // Housekeeping alone must not keep a process alive.
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
