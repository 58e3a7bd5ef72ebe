-- Mapping collections (versioned: every save is a new immutable version row) and translation tables.

CREATE TABLE mapping_collections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  -- The version that runs now; transfers record the version they ran with.
  current_version integer NOT NULL,
  -- Copied from the current version for listing and filtering.
  name text NOT NULL,
  hub_model text NOT NULL,
  entity text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('TO_HUB', 'FROM_HUB')),
  sync_type text NOT NULL CHECK (sync_type IN ('ADD', 'UPDATE', 'ADD_UPDATE', 'DELETE')),
  enabled boolean NOT NULL,
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Soft delete: old versions stay readable for the transfers that ran them.
  deleted_at timestamptz
);
CREATE INDEX mapping_collections_tenant ON mapping_collections (tenant_id, subscription_id, direction, sort_order) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX mapping_collections_name ON mapping_collections (subscription_id, direction, lower(name)) WHERE deleted_at IS NULL;

CREATE TABLE mapping_collection_versions (
  collection_id uuid NOT NULL REFERENCES mapping_collections(id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- The full definition (MappingCollectionCreate without subscriptionId), as validated on save.
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, version)
);

CREATE FUNCTION mapping_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'mapping collection versions are immutable';
END;
$$;
CREATE TRIGGER mapping_collection_versions_immutable
  BEFORE UPDATE ON mapping_collection_versions
  FOR EACH ROW EXECUTE FUNCTION mapping_versions_immutable();

CREATE TABLE translation_tables (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subscription_id uuid NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  name text NOT NULL,
  -- key → value
  entries jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, name)
);
