-- 004: payment methods, payment intents, charges, refunds, and the sandbox
-- gateway's own record of what it was asked to do.
--
-- No card number is stored anywhere: a payment method keeps the card's public
-- details (brand, last4, expiry) and the gateway's token for it. Exactly-once
-- is in the schema: a payment intent made for an invoice is unique on
-- (invoice, attempt), and its gateway call carries the idempotency key
-- "<invoice>:<attempt>", so a retried job can neither make a second intent
-- nor charge twice.

CREATE TABLE payment_methods (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  type TEXT NOT NULL,
  card TEXT,
  billing_details TEXT,
  customer TEXT,
  allow_redisplay TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping, not part of the Stripe object: the gateway that can
  -- charge this method, its token for it (a sandbox test token such as
  -- pm_card_visa), and whether it was detached (Stripe: never usable again)
  gateway TEXT NOT NULL,
  gateway_token TEXT NOT NULL,
  detached INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX payment_methods_scope ON payment_methods (tenant_id, livemode, seq);
CREATE INDEX payment_methods_customer ON payment_methods (tenant_id, livemode, customer, seq);

CREATE TABLE payment_intents (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  amount_received BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  customer TEXT,
  invoice TEXT,
  payment_method TEXT,
  status TEXT NOT NULL,           -- requires_payment_method | requires_confirmation | processing | succeeded | canceled
  last_payment_error TEXT,
  latest_charge TEXT,
  description TEXT,
  client_secret TEXT NOT NULL,
  canceled_at BIGINT,
  cancellation_reason TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping: which collection attempt of the invoice this is, and
  -- the idempotency key its gateway call carried
  attempt BIGINT,
  gateway_key TEXT
);
CREATE INDEX payment_intents_scope ON payment_intents (tenant_id, livemode, seq);
CREATE INDEX payment_intents_customer ON payment_intents (tenant_id, livemode, customer, seq);
CREATE UNIQUE INDEX payment_intents_attempt ON payment_intents (tenant_id, livemode, invoice, attempt);

CREATE TABLE charges (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  amount_captured BIGINT NOT NULL,
  amount_refunded BIGINT NOT NULL DEFAULT 0,
  captured INTEGER NOT NULL,
  currency TEXT NOT NULL,
  customer TEXT,
  description TEXT,
  invoice TEXT,
  payment_intent TEXT,
  payment_method TEXT,
  payment_method_details TEXT,
  billing_details TEXT,
  paid INTEGER NOT NULL,
  refunded INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,           -- succeeded | failed
  failure_code TEXT,
  failure_message TEXT,
  outcome TEXT,
  balance_transaction TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping: the gateway's reference for the charge, for refunds
  gateway TEXT NOT NULL,
  gateway_reference TEXT
);
CREATE INDEX charges_scope ON charges (tenant_id, livemode, seq);
CREATE INDEX charges_customer ON charges (tenant_id, livemode, customer, seq);
CREATE INDEX charges_payment_intent ON charges (tenant_id, livemode, payment_intent, seq);

CREATE TABLE refunds (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  charge TEXT NOT NULL,
  payment_intent TEXT,
  currency TEXT NOT NULL,
  reason TEXT,
  status TEXT NOT NULL,
  failure_reason TEXT,
  balance_transaction TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping: the gateway's reference and the key its call carried
  gateway_reference TEXT,
  gateway_key TEXT NOT NULL
);
CREATE INDEX refunds_scope ON refunds (tenant_id, livemode, seq);
CREATE INDEX refunds_charge ON refunds (tenant_id, livemode, charge, seq);

-- The sandbox gateway's memory, standing in for a provider's: one row per
-- idempotency key, holding what was asked (request, to refuse a key reused
-- for something else) and the outcome, which every later call with the key
-- gets back unchanged. Refunds point at the charge they return money from.
CREATE TABLE gateway_sandbox_attempts (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  kind TEXT NOT NULL,             -- charge | refund
  request TEXT NOT NULL,
  charge_key TEXT,                -- refunds: the key of the charge refunded
  amount BIGINT NOT NULL,
  status TEXT NOT NULL,           -- succeeded | declined | failed
  outcome TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode, idempotency_key)
);
CREATE INDEX gateway_sandbox_refunds ON gateway_sandbox_attempts (tenant_id, livemode, charge_key);
