-- 005: the receivables ledger (reskontra), double-entry.
--
-- One row per entry of a posting (billing/ledger.h writes the postings). A
-- posting is named by its source key ("invoice:<in_id>:finalized",
-- "payment:<pi_id>", ...) and its entries are numbered 0..n-1 by line, so
-- (tenant, mode, source, line) is unique: a job that posts the same business
-- fact twice writes nothing the second time. Rows are history: never updated,
-- never deleted.
--
-- account is the chart's name ("receivables", "revenue", ...), customer is set
-- exactly on per-customer accounts (receivables, customer_credit,
-- refunds_payable), vat_rate is the VAT rate of revenue and tax entries in
-- BILLING_TAX_SCALE units (250000 = 25 %) and NULL on every other entry.
--
-- Postings are written on the billing run's hot path, and every index on a
-- random key costs a random page write per row, so there are only the two the
-- ledger reads by. id is random and unique by construction (143 bits), and is
-- looked up only among one customer's entries (a page cursor), so it has no
-- index of its own.
CREATE TABLE ledger_entries (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL,
  created BIGINT NOT NULL,
  source TEXT NOT NULL,
  line BIGINT NOT NULL,
  account TEXT NOT NULL,
  customer TEXT,
  currency TEXT NOT NULL,
  debit BIGINT NOT NULL DEFAULT 0,
  credit BIGINT NOT NULL DEFAULT 0,
  vat_rate BIGINT,
  description TEXT,
  -- an entry has a debit or a credit, never both, never negative, never zero
  CHECK ((debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0))
);
CREATE UNIQUE INDEX ledger_entries_source ON ledger_entries (tenant_id, livemode, source, line);
-- The customer ledger (kundereskontro): a customer's entries in time order, for
-- GET /v1/customers/:id/ledger, statements and recur verify. General-ledger
-- entries carry no customer and stay out of this index.
CREATE INDEX ledger_entries_customer ON ledger_entries (tenant_id, livemode, customer, currency, seq)
  WHERE customer IS NOT NULL;
