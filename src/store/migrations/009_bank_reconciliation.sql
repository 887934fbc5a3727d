-- 009: bank reconciliation (camt.054) and payment references (KID/OCR).
--
-- invoices.payment_reference is the number a payer types into the online bank
-- for a send_invoice invoice (billing/payment_reference.h): taken at
-- finalization from payment_reference_sequences, one counter per tenant, mode
-- and format, so a number is used exactly when an invoice takes it. The
-- default format is a Norwegian KID MOD10 of the counter in its natural width
-- ("18", "26", ... "10009"); a per-tenant setting can change it later. It is
-- rendered on the invoice and unique per tenant and mode (NULLs are distinct).
--
-- bank_transactions: one row per credit transaction recur has read from a
-- bank notification, unique on the bank's own reference (bank_ref: AcctSvcrRef,
-- else the entry's AcctSvcrRef and the transaction's index, ...) per tenant
-- and mode, so the same statement imported twice changes nothing. invoice is
-- the invoice the money settled (set when an unmatched payment is assigned);
-- recur verify accepts a paid invoice with such a row as paid.
--
-- unmatched_payments: money that arrived without a reference recur could
-- match; it sits on the unapplied_cash account until assigned to an invoice.

ALTER TABLE invoices ADD COLUMN payment_reference TEXT;
CREATE UNIQUE INDEX invoices_payment_reference ON invoices (tenant_id, livemode, payment_reference);

CREATE TABLE payment_reference_sequences (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  kind TEXT NOT NULL,
  next_number BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode, kind)
);

CREATE TABLE bank_transactions (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  bank_statement TEXT NOT NULL,
  bank_ref TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  creditor_reference TEXT,
  end_to_end_id TEXT,
  debtor_name TEXT,
  booking_date BIGINT,
  result TEXT NOT NULL,
  invoice TEXT,
  applied BIGINT NOT NULL DEFAULT 0,
  unmatched_payment TEXT
);
CREATE UNIQUE INDEX bank_transactions_ref ON bank_transactions (tenant_id, livemode, bank_ref);
CREATE INDEX bank_transactions_scope ON bank_transactions (tenant_id, livemode, seq);
CREATE INDEX bank_transactions_invoice ON bank_transactions (tenant_id, livemode, invoice);

CREATE TABLE unmatched_payments (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  status TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  bank_transaction TEXT NOT NULL,
  bank_statement TEXT NOT NULL,
  creditor_reference TEXT,
  unstructured TEXT,
  debtor_name TEXT,
  booking_date BIGINT,
  invoice TEXT,
  customer TEXT,
  assigned_at BIGINT
);
CREATE INDEX unmatched_payments_scope ON unmatched_payments (tenant_id, livemode, seq);
