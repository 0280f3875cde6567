// DATABASE_REPLICA_URL: usage reports read from the replica, everything else from the primary.
// The "replica" here is a second database with ledger rows of its own, so where a report
// came from shows in its numbers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openDatabase, type Database } from "../../db/client.ts";
import { migrate } from "../../db/migrate.ts";
import { createTestDatabase, servicesMode, startHarness, type Harness } from "../helpers/harness.ts";

describe.skipIf(!servicesMode)("usage reports on a read replica", () => {
  let h: Harness;
  let replica: { url: string; drop(): Promise<void> };
  let replicaDb: Database;

  beforeAll(async () => {
    replica = await createTestDatabase();
    replicaDb = await openDatabase({ databaseUrl: replica.url });
    await migrate(replicaDb);
    await replicaDb.rows(
      `insert into ledger (event_id, kind, user_id, amount_micro, model_id, input_tokens, output_tokens)
       values ('replica-only', 'usage', 'usr_replica', -4242, 'gpt-5.5', 7, 3)`,
    );
    h = await startHarness({ DATABASE_REPLICA_URL: replica.url });
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await replicaDb?.close();
    await replica?.drop();
  }, 60_000);

  test("the admin usage report answers from the replica; writes and other reads stay on the primary", async () => {
    const report = (await h.admin("/usage?group_by=user")).json as { rows: { user_id?: string; key: string; cost_micro: number }[] };
    expect(report.rows.map((r) => r.key)).toContain("usr_replica");
    // A user created now exists on the primary only, and the admin API finds it there.
    const u = await h.newUser(5);
    expect((await h.admin(`/users/${u.userId}`)).status).toBe(200);
    const onReplica = await replicaDb.rows<{ n: number }>("select count(*)::int as n from users where id = $1", [u.userId]);
    expect(onReplica[0]!.n).toBe(0);
  });
});
