-- 003: subscriptions, invoices and what feeds them.
--
-- Due work is a column, not a scan: a subscription's due_at is the next instant
-- something happens to it (renewal, trial end, scheduled cancellation), indexed
-- separately for wall-clock and test-clock customers. Exactly-once is in the
-- schema: an invoice carries a dedupe_key ("cycle:<sub>:<period start>") that is
-- unique per tenant, so a renewal run twice cannot bill twice.

CREATE TABLE subscriptions (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  customer TEXT NOT NULL,
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  collection_method TEXT NOT NULL,
  days_until_due BIGINT,
  billing_cycle_anchor BIGINT NOT NULL,
  billing_cycle_anchor_config TEXT,
  cancel_at BIGINT,
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
  canceled_at BIGINT,
  cancellation_details TEXT,
  ended_at BIGINT,
  start_date BIGINT NOT NULL,
  trial_start BIGINT,
  trial_end BIGINT,
  trial_settings TEXT,
  default_payment_method TEXT,
  default_tax_rates TEXT,
  description TEXT,
  discounts TEXT,
  latest_invoice TEXT,
  pause_collection TEXT,
  invoice_settings TEXT,
  pending_invoice_item_interval TEXT,
  test_clock TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping, not part of the Stripe object
  plan_interval TEXT NOT NULL,
  plan_interval_count BIGINT NOT NULL,
  current_period_start BIGINT NOT NULL,
  current_period_end BIGINT NOT NULL,
  periods_billed BIGINT NOT NULL DEFAULT 0,
  due_at BIGINT
);
CREATE INDEX subscriptions_scope ON subscriptions (tenant_id, livemode, seq);
CREATE INDEX subscriptions_customer ON subscriptions (tenant_id, livemode, customer, seq);
CREATE INDEX subscriptions_due_wall ON subscriptions (due_at) WHERE test_clock IS NULL AND due_at IS NOT NULL;
CREATE INDEX subscriptions_due_clock ON subscriptions (test_clock, due_at) WHERE test_clock IS NOT NULL AND due_at IS NOT NULL;

CREATE TABLE subscription_items (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  subscription TEXT NOT NULL,
  price TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  tax_rates TEXT,
  discounts TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX subscription_items_sub ON subscription_items (tenant_id, livemode, subscription, seq);

CREATE TABLE discounts (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  coupon TEXT NOT NULL,             -- the coupon as it was when applied (JSON)
  customer TEXT,
  subscription TEXT,
  invoice TEXT,
  promotion_code TEXT,
  start BIGINT NOT NULL,
  "end" BIGINT,
  times_applied BIGINT NOT NULL DEFAULT 0  -- invoices it has reduced (a "once" coupon stops at 1)
);
CREATE INDEX discounts_owner ON discounts (tenant_id, livemode, subscription, customer);

CREATE TABLE promotion_codes (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  code TEXT NOT NULL,
  coupon TEXT NOT NULL,
  active INTEGER NOT NULL,
  customer TEXT,
  expires_at BIGINT,
  max_redemptions BIGINT,
  times_redeemed BIGINT NOT NULL DEFAULT 0,
  restrictions TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX promotion_codes_code ON promotion_codes (tenant_id, livemode, code);
CREATE INDEX promotion_codes_scope ON promotion_codes (tenant_id, livemode, seq);

CREATE TABLE invoices (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  customer TEXT NOT NULL,
  subscription TEXT,
  status TEXT NOT NULL,
  number TEXT,
  billing_reason TEXT NOT NULL,
  collection_method TEXT NOT NULL,
  currency TEXT NOT NULL,
  description TEXT,
  footer TEXT,
  auto_advance INTEGER NOT NULL,
  period_start BIGINT NOT NULL,
  period_end BIGINT NOT NULL,
  due_date BIGINT,
  effective_at BIGINT,
  subtotal BIGINT NOT NULL,
  subtotal_excluding_tax BIGINT NOT NULL,
  total BIGINT NOT NULL,
  total_excluding_tax BIGINT NOT NULL,
  total_discount_amounts TEXT,
  total_taxes TEXT,
  amount_due BIGINT NOT NULL,
  amount_paid BIGINT NOT NULL,
  amount_remaining BIGINT NOT NULL,
  starting_balance BIGINT NOT NULL,
  ending_balance BIGINT,
  attempt_count BIGINT NOT NULL DEFAULT 0,
  attempted INTEGER NOT NULL DEFAULT 0,
  discounts TEXT,
  default_tax_rates TEXT,
  status_transitions TEXT,
  customer_email TEXT,
  customer_name TEXT,
  customer_address TEXT,
  customer_phone TEXT,
  customer_shipping TEXT,
  customer_tax_exempt TEXT,
  test_clock TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping, not part of the Stripe object
  days_until_due BIGINT,
  dedupe_key TEXT
);
CREATE INDEX invoices_scope ON invoices (tenant_id, livemode, seq);
CREATE INDEX invoices_customer ON invoices (tenant_id, livemode, customer, seq);
CREATE INDEX invoices_subscription ON invoices (tenant_id, livemode, subscription, seq);
CREATE UNIQUE INDEX invoices_dedupe ON invoices (tenant_id, livemode, dedupe_key);
CREATE UNIQUE INDEX invoices_number ON invoices (tenant_id, livemode, number);

CREATE TABLE invoice_lines (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  invoice TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  description TEXT,
  discountable INTEGER NOT NULL,
  discount_amounts TEXT,
  discounts TEXT,
  period TEXT NOT NULL,
  quantity BIGINT,
  subscription TEXT,
  parent TEXT,
  pricing TEXT,
  taxes TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  -- recur's bookkeeping: the line's own tax rate ids (NULL: the invoice's
  -- defaults) and the invoice item it came from, to recompute a draft
  tax_rates TEXT,
  invoice_item TEXT
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (tenant_id, livemode, invoice, seq);

CREATE TABLE invoiceitems (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  customer TEXT NOT NULL,
  invoice TEXT,
  subscription TEXT,
  subscription_item TEXT,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  description TEXT,
  date BIGINT NOT NULL,
  discountable INTEGER NOT NULL,
  discounts TEXT,
  period TEXT NOT NULL,
  pricing TEXT,
  quantity BIGINT NOT NULL,
  proration INTEGER NOT NULL,
  tax_rates TEXT,
  test_clock TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX invoiceitems_scope ON invoiceitems (tenant_id, livemode, seq);
CREATE INDEX invoiceitems_pending ON invoiceitems (tenant_id, livemode, customer, invoice);

CREATE TABLE customer_balance_transactions (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  customer TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  description TEXT,
  ending_balance BIGINT NOT NULL,
  invoice TEXT,
  credit_note TEXT,
  type TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX customer_balance_transactions_customer ON customer_balance_transactions (tenant_id, livemode, customer, seq);

-- Gapless invoice numbers: one counter per tenant, mode and prefix, advanced in
-- the finalizing transaction, so a number is used exactly when an invoice takes it.
CREATE TABLE invoice_number_sequences (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  prefix TEXT NOT NULL,
  next_number BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode, prefix)
);
