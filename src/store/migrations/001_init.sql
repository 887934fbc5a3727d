-- 001: tenants, keys, idempotency, events, customers and the catalog.
-- Every business table is keyed by tenant and mode first; amounts and times are
-- BIGINT; nested Stripe structures and metadata are JSON text. seq orders lists
-- (newest first) and breaks ties between objects created in the same second.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created BIGINT NOT NULL
);

-- Secret keys are stored only as SHA-256 hashes: a key is 32 random base62
-- characters, so a fast hash is enough and a stolen database reveals no key.
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  livemode INTEGER NOT NULL,
  key_prefix TEXT NOT NULL,
  created BIGINT NOT NULL
);

CREATE TABLE idempotency_keys (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  ikey TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,            -- running | done
  status INTEGER,
  body TEXT,
  created BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode, ikey)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  type TEXT NOT NULL,
  api_version TEXT,
  data TEXT NOT NULL,
  request TEXT,
  pending_webhooks BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_scope ON events (tenant_id, livemode, seq);
CREATE INDEX events_type ON events (tenant_id, livemode, type, seq);

CREATE TABLE customers (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  name TEXT,
  email TEXT,
  phone TEXT,
  description TEXT,
  address TEXT,
  shipping TEXT,
  preferred_locales TEXT,
  tax_ids TEXT,
  tax_exempt TEXT,
  invoice_settings TEXT,
  invoice_prefix TEXT,
  next_invoice_sequence BIGINT,
  currency TEXT,
  balance BIGINT NOT NULL DEFAULT 0,
  delinquent INTEGER NOT NULL DEFAULT 0,
  discount TEXT,
  default_source TEXT,
  test_clock TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX customers_scope ON customers (tenant_id, livemode, seq);
CREATE INDEX customers_email ON customers (tenant_id, livemode, email);

CREATE TABLE products (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL,
  active INTEGER NOT NULL,
  description TEXT,
  images TEXT,
  marketing_features TEXT,
  default_price TEXT,
  statement_descriptor TEXT,
  tax_code TEXT,
  unit_label TEXT,
  url TEXT,
  shippable INTEGER,
  package_dimensions TEXT,
  type TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
-- Product ids may be chosen by the caller: unique per tenant and mode only.
CREATE UNIQUE INDEX products_id ON products (tenant_id, livemode, id);
CREATE INDEX products_scope ON products (tenant_id, livemode, seq);

CREATE TABLE prices (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  active INTEGER NOT NULL,
  product TEXT NOT NULL,
  currency TEXT NOT NULL,
  unit_amount BIGINT,
  unit_amount_decimal TEXT,
  billing_scheme TEXT NOT NULL,
  tiers TEXT,
  tiers_mode TEXT,
  transform_quantity TEXT,
  recurring TEXT,
  type TEXT NOT NULL,
  tax_behavior TEXT,
  lookup_key TEXT,
  nickname TEXT,
  custom_unit_amount TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX prices_scope ON prices (tenant_id, livemode, seq);
CREATE INDEX prices_product ON prices (tenant_id, livemode, product, seq);
-- Stripe keeps lookup keys unique among a tenant's prices (transfer_lookup_key moves one).
CREATE UNIQUE INDEX prices_lookup_key ON prices (tenant_id, livemode, lookup_key);

CREATE TABLE coupons (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  name TEXT,
  percent_off BIGINT,             -- hundredths of a percent (25.5% = 2550)
  amount_off BIGINT,
  currency TEXT,
  duration TEXT NOT NULL,
  duration_in_months BIGINT,
  max_redemptions BIGINT,
  redeem_by BIGINT,
  times_redeemed BIGINT NOT NULL DEFAULT 0,
  valid INTEGER NOT NULL,
  applies_to TEXT,
  currency_options TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
-- Coupon ids may be chosen by the caller, so they are unique per tenant and mode only.
CREATE UNIQUE INDEX coupons_id ON coupons (tenant_id, livemode, id);
CREATE INDEX coupons_scope ON coupons (tenant_id, livemode, seq);

CREATE TABLE tax_rates (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  active INTEGER NOT NULL,
  display_name TEXT NOT NULL,
  description TEXT,
  percentage BIGINT NOT NULL,     -- ten-thousandths of a percent (25% = 250000)
  effective_percentage BIGINT,
  inclusive INTEGER NOT NULL,
  country TEXT,
  state TEXT,
  jurisdiction TEXT,
  jurisdiction_level TEXT,
  tax_type TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX tax_rates_scope ON tax_rates (tenant_id, livemode, seq);
