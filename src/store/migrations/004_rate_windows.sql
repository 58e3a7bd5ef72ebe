-- Shared request rate: one row per (subscription, fixed throttle window). Workers lease small batches
-- of tokens from it (`used` never exceeds the subscription's `requests` for the window).
CREATE TABLE sync_rate_windows (
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  used integer NOT NULL DEFAULT 0,
  -- tokens granted by the last lease (read back by the leasing worker in the same statement)
  last_grant integer NOT NULL DEFAULT 0,
  PRIMARY KEY (subscription_id, window_start)
);
CREATE INDEX sync_rate_windows_end ON sync_rate_windows (window_end);
