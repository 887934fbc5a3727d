-- 010: credit notes (Stripe's /v1/credit_notes).
--
-- A credit note takes part of a finalized invoice back: before payment it
-- lowers what the invoice still asks for (pre_payment_amount), after payment
-- it is refunded, credited to the customer's balance or settled outside recur
-- (post_payment_amount = refund + credit + out_of_band). Its lines are few and
-- always read with it, so they are kept as JSON on the row (line_items).
-- Numbers are "<invoice number>-CN-<nn>", unique per tenant and mode; the
-- ledger posting is unique on its source ("credit_note:<cn>:issued").
--
-- invoices keep Stripe's running sums of their credit notes, which the
-- invoice object shows; refunds remember the credit note that made them, so a
-- refund made through a credit note is not counted (or posted) twice.

CREATE TABLE credit_notes (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  customer TEXT NOT NULL,
  invoice TEXT NOT NULL,
  currency TEXT NOT NULL,
  number TEXT NOT NULL,
  status TEXT NOT NULL,            -- issued | void
  type TEXT NOT NULL,              -- pre_payment | post_payment | mixed
  amount BIGINT NOT NULL,
  subtotal BIGINT NOT NULL,
  subtotal_excluding_tax BIGINT NOT NULL,
  total BIGINT NOT NULL,
  total_excluding_tax BIGINT NOT NULL,
  discount_amount BIGINT NOT NULL,
  discount_amounts TEXT NOT NULL DEFAULT '[]',
  total_taxes TEXT NOT NULL DEFAULT '[]',
  pre_payment_amount BIGINT NOT NULL,
  post_payment_amount BIGINT NOT NULL,
  out_of_band_amount BIGINT,
  customer_balance_transaction TEXT,
  refunds TEXT NOT NULL DEFAULT '[]',
  reason TEXT,
  memo TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  effective_at BIGINT,
  voided_at BIGINT,
  -- recur's bookkeeping, not part of the Stripe object
  line_items TEXT NOT NULL DEFAULT '[]',
  credit_amount BIGINT NOT NULL DEFAULT 0,
  refund_amount BIGINT NOT NULL DEFAULT 0,
  amount_only INTEGER NOT NULL DEFAULT 0  -- made from amount alone (proportional tax)
);
CREATE INDEX credit_notes_scope ON credit_notes (tenant_id, livemode, seq);
CREATE INDEX credit_notes_invoice ON credit_notes (tenant_id, livemode, invoice, seq);
CREATE INDEX credit_notes_customer ON credit_notes (tenant_id, livemode, customer, seq);
CREATE UNIQUE INDEX credit_notes_number ON credit_notes (tenant_id, livemode, number);

-- NULL (an invoice written before this migration, or by code that does not
-- know the columns) reads as 0.
ALTER TABLE invoices ADD COLUMN pre_payment_credit_notes_amount BIGINT DEFAULT 0;
ALTER TABLE invoices ADD COLUMN post_payment_credit_notes_amount BIGINT DEFAULT 0;
ALTER TABLE refunds ADD COLUMN credit_note TEXT;
