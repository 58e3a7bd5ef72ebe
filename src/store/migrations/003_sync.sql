-- Sync engine: transfer log, job keys, per-link sync state, pauses, polling cursors, sync runs.

-- One row per record moved (or attempted); the error log is the rows with status 'error'.
CREATE TABLE sync_transfers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  collection_id text,
  collection_version integer,
  direction text NOT NULL CHECK (direction IN ('TO_HUB', 'FROM_HUB')),
  trigger text NOT NULL,
  entity text NOT NULL,
  hub_model text,
  external_id text,
  hub_id uuid,
  status text NOT NULL CHECK (status IN ('pending', 'success', 'filtered', 'error', 'retrying', 'skipped')),
  action text,
  attempts integer NOT NULL DEFAULT 0,
  error_code text,
  error_field text,
  error_message text,
  source_payload jsonb,
  mapped_payload jsonb,
  -- the user's edited source payload when replayed with an edit
  edited_payload jsonb,
  replay_of uuid,
  run_id uuid,
  source_version text,
  triggered_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  duration_ms integer
);
CREATE INDEX sync_transfers_list ON sync_transfers (tenant_id, created_at DESC, id DESC);
CREATE INDEX sync_transfers_status ON sync_transfers (tenant_id, status, created_at DESC);
CREATE INDEX sync_transfers_record ON sync_transfers (subscription_id, external_id);
CREATE INDEX sync_transfers_hub ON sync_transfers (hub_id);

-- Job keys collapse duplicate triggers: a key is held from enqueue until the job starts.
CREATE TABLE sync_job_keys (
  job_key text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Inbound state per external record: the newest source version applied, and its content hash.
CREATE TABLE sync_inbound_state (
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  entity text NOT NULL,
  external_id text NOT NULL,
  source_modified_at timestamptz,
  source_hash text,
  hub_id uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, entity, external_id)
);

-- Outbound state per (destination subscription, hub record): hash of the last payload sent,
-- and a claim while a create is in flight (crash recovery: adopt instead of creating twice).
CREATE TABLE sync_outbound_state (
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  model text NOT NULL,
  hub_id uuid NOT NULL,
  external_id text,
  sent_hash text,
  hub_version integer,
  claim_token text,
  claimed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, model, hub_id)
);

-- A subscription paused by a 429 (until Retry-After) or a daily quota (until it resets).
CREATE TABLE sync_pauses (
  subscription_id uuid PRIMARY KEY REFERENCES subscriptions(id) ON DELETE CASCADE,
  paused_until timestamptz NOT NULL,
  reason text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Polling cursor per (subscription, entity): last-modified time of the last successful poll.
CREATE TABLE sync_poll_cursors (
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  entity text NOT NULL,
  cursor_at timestamptz,
  last_polled_at timestamptz,
  -- records (id → content hash) seen at exactly cursor_at: re-read next time, skipped when unchanged
  seen jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (subscription_id, entity)
);

-- Initialization runs (and future bulk passes): progress, checkpoint, state.
CREATE TABLE sync_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  kind text NOT NULL DEFAULT 'initialization',
  entity text NOT NULL,
  collection_id text,
  state text NOT NULL CHECK (state IN ('running', 'completed', 'cancelled', 'failed')),
  cursor text,
  page integer NOT NULL DEFAULT 0,
  done integer NOT NULL DEFAULT 0,
  errors integer NOT NULL DEFAULT 0,
  total integer,
  error_message text,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX sync_runs_sub ON sync_runs (subscription_id, started_at DESC);

-- Webhook subscriptions Junction registered at external systems (renewed before they expire).
CREATE TABLE sync_webhook_registrations (
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  entity text NOT NULL,
  registration jsonb NOT NULL,
  expires_at timestamptz,
  renewed_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, entity)
);
