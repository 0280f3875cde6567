-- The ledger becomes a table partitioned by month of created_at (ARCHITECTURE section 8), so
-- old months can be detached, archived or dropped without touching the rows being written.
--
-- A unique index on a partitioned table must include the partition key, so event_id can no
-- longer be unique on the ledger itself: a retried event carries a new created_at when it is
-- written by a transaction (refunds, webhook credits), and would land twice. ledger_events
-- holds every event_id once, and each writer claims the id there in the same statement or
-- transaction as the ledger row; the claim is the at-most-once guard.
CREATE TABLE IF NOT EXISTS ledger_events (
  event_id text PRIMARY KEY
);
INSERT INTO ledger_events (event_id) SELECT event_id FROM ledger ON CONFLICT DO NOTHING;

ALTER TABLE ledger RENAME TO ledger_unpartitioned;
ALTER TABLE ledger_unpartitioned RENAME CONSTRAINT ledger_pkey TO ledger_unpartitioned_pkey;
ALTER TABLE ledger_unpartitioned RENAME CONSTRAINT ledger_event_id_key TO ledger_unpartitioned_event_id_key;
ALTER INDEX ledger_user_idx RENAME TO ledger_unpartitioned_user_idx;
ALTER INDEX ledger_kind_created_idx RENAME TO ledger_unpartitioned_kind_created_idx;
ALTER SEQUENCE ledger_id_seq OWNED BY NONE;

-- The same columns, in the same order, with the same defaults (id keeps its sequence): copied
-- from the old table rather than restated, so the INSERT ... SELECT * below cannot misalign.
CREATE TABLE ledger (
  LIKE ledger_unpartitioned INCLUDING DEFAULTS,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE ledger_id_seq OWNED BY ledger.id;
CREATE INDEX IF NOT EXISTS ledger_user_idx ON ledger(user_id, created_at);
CREATE INDEX IF NOT EXISTS ledger_kind_created_idx ON ledger(kind, created_at);
-- When a key was last used: one backward step per key and month, not a scan of its user's rows.
CREATE INDEX IF NOT EXISTS ledger_key_created_idx ON ledger (key_id, created_at) WHERE key_id IS NOT NULL;
-- A downgrade sums what its subscription was credited: a handful of rows among a user's
-- usage rows, found without reading the rest.
CREATE INDEX IF NOT EXISTS ledger_plan_credit_subscription_idx ON ledger ((meta->>'subscription_id')) WHERE kind = 'plan_credit';

-- Rows of a month with no partition yet (a clock far off, a partition job that never ran)
-- land here rather than fail; ensure_ledger_partitions leaves such a month to it.
CREATE TABLE IF NOT EXISTS ledger_default PARTITION OF ledger DEFAULT;

-- One partition per calendar month (UTC) from the month of `from_ts` through `months_ahead`
-- months after now; existing ones are kept. Called here, at every start and daily.
CREATE OR REPLACE FUNCTION ensure_ledger_partitions(from_ts timestamptz, months_ahead integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  -- Month arithmetic on UTC wall-clock timestamps, so the session's time zone (and its
  -- daylight saving) cannot shift a bound.
  m timestamp := date_trunc('month', least(from_ts, now()) AT TIME ZONE 'UTC');
  last timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => months_ahead);
  lo timestamptz;
  hi timestamptz;
  name text;
  created integer := 0;
BEGIN
  WHILE m <= last LOOP
    name := 'ledger_' || to_char(m, 'YYYY_MM');
    lo := m AT TIME ZONE 'UTC';
    hi := (m + interval '1 month') AT TIME ZONE 'UTC';
    IF to_regclass(name) IS NULL AND NOT EXISTS (SELECT 1 FROM ledger_default WHERE created_at >= lo AND created_at < hi) THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF ledger FOR VALUES FROM (%L) TO (%L)', name, lo, hi);
      created := created + 1;
    END IF;
    m := m + interval '1 month';
  END LOOP;
  RETURN created;
END $$;

SELECT ensure_ledger_partitions(coalesce((SELECT min(created_at) FROM ledger_unpartitioned), now()), 2);
INSERT INTO ledger SELECT * FROM ledger_unpartitioned;
DROP TABLE ledger_unpartitioned;
