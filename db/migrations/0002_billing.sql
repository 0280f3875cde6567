-- Sluice schema v2: plans, credit packs, subscriptions, QRIS orders, webhook idempotency,
-- invoices (gapless numbering), refunds, model price history. IDR amounts are bigint rupiah;
-- credits are bigint micro-credits.

CREATE TABLE IF NOT EXISTS plans (
  id text PRIMARY KEY,
  name text NOT NULL,
  price_idr bigint NOT NULL CHECK (price_idr >= 0),
  -- Calendar months anchored in Asia/Jakarta when > 0 (payments.md section 4); else period_days.
  period_months integer NOT NULL DEFAULT 0 CHECK (period_months >= 0),
  period_days integer NOT NULL CHECK (period_days > 0),
  included_micro bigint NOT NULL DEFAULT 0 CHECK (included_micro >= 0),
  rpm integer NOT NULL DEFAULT 0 CHECK (rpm >= 0),
  concurrency integer NOT NULL DEFAULT 0 CHECK (concurrency >= 0),
  spend_cap_micro bigint NOT NULL DEFAULT 0 CHECK (spend_cap_micro >= 0),
  spend_window_seconds integer NOT NULL DEFAULT 18000 CHECK (spend_window_seconds > 0),
  is_trial boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'active',
  sort integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS credit_packs (
  id text PRIMARY KEY,
  name text NOT NULL,
  price_idr bigint NOT NULL CHECK (price_idr > 0),
  credits_micro bigint NOT NULL CHECK (credits_micro > 0),
  status text NOT NULL DEFAULT 'active',
  sort integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per paid (or granted) period of a plan. 'scheduled' rows are renewals paid ahead.
CREATE TABLE IF NOT EXISTS subscriptions (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  plan_id text NOT NULL REFERENCES plans(id),
  status text NOT NULL,
  is_trial boolean NOT NULL DEFAULT false,
  anchor_at timestamptz NOT NULL,
  cycle integer NOT NULL DEFAULT 0,
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  -- What the user effectively paid for this period (tax-inclusive IDR), the base of proration.
  paid_idr bigint NOT NULL DEFAULT 0,
  cancel_at_period_end boolean NOT NULL DEFAULT false,
  order_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS subscriptions_user_idx ON subscriptions(user_id, status);
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_one_current ON subscriptions(user_id) WHERE status = 'active';
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_one_scheduled ON subscriptions(user_id) WHERE status = 'scheduled';
-- The free trial can be had once per user, enforced by the database rather than by a check-then-insert.
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_one_trial ON subscriptions(user_id) WHERE is_trial;

CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  kind text NOT NULL,
  plan_id text,
  pack_id text,
  subscription_id text,
  amount_idr bigint NOT NULL CHECK (amount_idr >= 0),
  currency text NOT NULL DEFAULT 'IDR',
  status text NOT NULL DEFAULT 'pending',
  provider text NOT NULL,
  provider_charge_id text UNIQUE,
  provider_payment_id text UNIQUE,
  qr_string text,
  expires_at timestamptz,
  paid_at timestamptz,
  flagged_at timestamptz,
  flag_reason text,
  refunded_idr bigint NOT NULL DEFAULT 0,
  invoice_number text,
  receipt_number text,
  details jsonb,
  last_polled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_user_idx ON orders(user_id, created_at);
CREATE INDEX IF NOT EXISTS orders_pending_idx ON orders(status, created_at);

-- Idempotency of payment notifications: one row per (provider, event key), whatever it did.
CREATE TABLE IF NOT EXISTS webhook_events (
  id bigserial PRIMARY KEY,
  provider text NOT NULL,
  event_key text NOT NULL,
  order_id text,
  outcome text NOT NULL,
  raw_body text,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, event_key)
);

-- Gapless document numbers: the counter row is bumped in the transaction that issues the document.
CREATE TABLE IF NOT EXISTS document_counters (
  series text PRIMARY KEY,
  next_value bigint NOT NULL
);
INSERT INTO document_counters (series, next_value) VALUES ('INV', 1), ('RCT', 1), ('CN', 1) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS invoices (
  number text PRIMARY KEY,
  kind text NOT NULL,
  user_id text NOT NULL,
  order_id text,
  refund_id text,
  refers_to text,
  status text NOT NULL,
  currency text NOT NULL DEFAULT 'IDR',
  subtotal_idr bigint NOT NULL,
  tax_idr bigint NOT NULL,
  total_idr bigint NOT NULL,
  tax_rate_bps integer NOT NULL,
  lines jsonb NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  paid_at timestamptz
);
CREATE INDEX IF NOT EXISTS invoices_user_idx ON invoices(user_id, issued_at);

CREATE TABLE IF NOT EXISTS refunds (
  id text PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders(id),
  user_id text NOT NULL,
  amount_idr bigint NOT NULL CHECK (amount_idr > 0),
  method text NOT NULL,
  status text NOT NULL,
  reason text NOT NULL,
  credited_micro bigint NOT NULL DEFAULT 0,
  provider_refund_id text,
  credit_note_number text,
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS refunds_order_idx ON refunds(order_id);

CREATE TABLE IF NOT EXISTS model_price_history (
  id bigserial PRIMARY KEY,
  model_id text NOT NULL,
  version integer NOT NULL,
  input_price bigint NOT NULL,
  output_price bigint NOT NULL,
  cache_read_price bigint NOT NULL,
  cache_write_price bigint NOT NULL,
  flags jsonb NOT NULL,
  status text NOT NULL,
  actor text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS model_price_history_idx ON model_price_history(model_id, version);

CREATE INDEX IF NOT EXISTS audit_log_target_idx ON audit_log(target, id);
CREATE INDEX IF NOT EXISTS ledger_kind_created_idx ON ledger(kind, created_at);
