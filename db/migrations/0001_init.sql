-- Sluice schema v1. Money columns are bigint micro-credits; IDR amounts are bigint rupiah.

CREATE TABLE IF NOT EXISTS meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
  id text PRIMARY KEY,
  email text UNIQUE,
  name text,
  balance_micro bigint NOT NULL DEFAULT 0,
  plan_id text,
  plan_status text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS api_keys (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users(id),
  hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  name text,
  status text NOT NULL DEFAULT 'active',
  rpm integer,
  concurrency integer,
  allowed_models jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_user_idx ON api_keys(user_id);

CREATE TABLE IF NOT EXISTS providers (
  id text PRIMARY KEY,
  kind text NOT NULL,
  base_url text NOT NULL,
  api_key_enc text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS models (
  id text PRIMARY KEY,
  display_name text NOT NULL,
  class text NOT NULL,
  context_window integer NOT NULL,
  max_output integer NOT NULL,
  input_price bigint NOT NULL,
  output_price bigint NOT NULL,
  cache_read_price bigint NOT NULL,
  cache_write_price bigint NOT NULL,
  flags jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL DEFAULT 'active',
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS deployments (
  id text PRIMARY KEY,
  model_id text NOT NULL REFERENCES models(id),
  provider_id text NOT NULL REFERENCES providers(id),
  upstream_model text NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  weight integer NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS deployments_model_idx ON deployments(model_id);

-- One table for every movement of money; event_id makes each at-most-once.
CREATE TABLE IF NOT EXISTS ledger (
  id bigserial PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  kind text NOT NULL,
  user_id text NOT NULL,
  key_id text,
  amount_micro bigint NOT NULL,
  model_id text,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  cache_read_tokens integer NOT NULL DEFAULT 0,
  cache_write_tokens integer NOT NULL DEFAULT 0,
  reasoning_tokens integer NOT NULL DEFAULT 0,
  prices jsonb,
  catalog_version integer,
  estimated boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'ok',
  reason text,
  meta jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS ledger_user_idx ON ledger(user_id, created_at);

CREATE TABLE IF NOT EXISTS audit_log (
  id bigserial PRIMARY KEY,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  before jsonb,
  after jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
