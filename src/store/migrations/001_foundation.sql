-- Tenants, API keys, subscriptions, the hub store and external id links.

CREATE TABLE tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  system text NOT NULL,
  name text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}',
  -- AES-256-GCM sealed JSON of the secret settings; never returned by the API.
  secrets text,
  throttle jsonb NOT NULL DEFAULT '{}',
  webhook_key_hash text,
  enabled boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);
CREATE INDEX subscriptions_tenant ON subscriptions (tenant_id, id);

CREATE TABLE hub_records (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  model text NOT NULL,
  data jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1,
  -- the subscription that last wrote the record (null: written through the API or console)
  origin uuid REFERENCES subscriptions(id) ON DELETE SET NULL,
  content_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE INDEX hub_records_list ON hub_records (tenant_id, model, id);
CREATE INDEX hub_records_email ON hub_records (tenant_id, model, lower(data->>'EmailAddress'));

CREATE TABLE hub_record_history (
  id bigserial PRIMARY KEY,
  record_id uuid NOT NULL REFERENCES hub_records(id) ON DELETE CASCADE,
  tenant_id uuid NOT NULL,
  version integer NOT NULL,
  action text NOT NULL,
  -- [{ "path": "...", "from": ..., "to": ... }]
  changes jsonb NOT NULL,
  subscription_id uuid,
  transfer_id uuid,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hub_record_history_record ON hub_record_history (record_id, version);

CREATE TABLE external_links (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  model text NOT NULL,
  hub_id uuid NOT NULL REFERENCES hub_records(id) ON DELETE CASCADE,
  external_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, model, hub_id),
  UNIQUE (subscription_id, model, external_id)
);
CREATE INDEX external_links_hub ON external_links (hub_id);
