-- Shared request rate as pacing: per subscription, the time after the last reserved request slot and
-- the interval it was reserved at. Workers reserve a few consecutive slots at a time (on the
-- database's clock); fixed windows (sync_rate_windows) let twice the limit through across a boundary.
CREATE TABLE sync_rate_pacing (
  subscription_id uuid PRIMARY KEY REFERENCES subscriptions(id) ON DELETE CASCADE,
  next_at timestamptz NOT NULL,
  interval_ms double precision NOT NULL
);
DROP TABLE sync_rate_windows;
