-- Web console (web/): passwords of dashboard users and the sessions of both consoles.

-- One row per user who signed up with a password; users made through the admin API have none.
-- The email stays in users.email (unique there), so one address is one account.
CREATE TABLE IF NOT EXISTS web_credentials (
  user_id text PRIMARY KEY REFERENCES users(id),
  -- Bun.password (argon2id), PHC string with its own salt and parameters.
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Sessions of the user dashboard (kind 'user', subject = user id) and of the admin panel
-- (kind 'admin', subject = the operator's name for the audit log). The cookie carries a
-- random token; only its SHA-256 is stored, so a read of this table cannot hijack a session.
CREATE TABLE IF NOT EXISTS web_sessions (
  id_hash text PRIMARY KEY,
  kind text NOT NULL,
  subject text NOT NULL,
  -- Synchronizer CSRF token, echoed in every form of the session's pages.
  csrf_token text NOT NULL,
  -- What the session was granted against (admin: a digest of the admin token hash); a
  -- session whose binding no longer matches is dead, e.g. after ADMIN_TOKEN is rotated.
  binding text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Sliding expiry, moved forward on use but never past expires_at (the absolute one).
  idle_expires_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_idle_idx ON web_sessions(idle_expires_at);
CREATE INDEX IF NOT EXISTS web_sessions_subject_idx ON web_sessions(kind, subject);

-- The usage page's recent-requests table and the keys page's "last used" read a user's
-- usage rows newest first; ledger_user_idx (user_id, created_at) already serves both.
