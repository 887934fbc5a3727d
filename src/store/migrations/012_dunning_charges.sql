-- 012: reminder fees and late-payment interest as lines of the invoice they
-- chase, and the tenant's payment reference format.
--
-- invoices.reminder_fees     the reminder fees added to the invoice (minor
--                            units; NULL: none). They are lines of the
--                            invoice and part of its subtotal, total and
--                            amount_due, but not of the sale: the ledger
--                            posts them to fees, never to revenue, and a void
--                            takes them back from there.
-- invoices.late_interest     the late-payment interest added, likewise (to
--                            the interest account).
-- invoices.late_interest_until  the time interest has been charged up to;
--                            the next charge runs from here (NULL: the due
--                            date).
--
-- payment_reference_settings one row per tenant and mode: the format of the
--                            KID/OCR references its send_invoice invoices
--                            get (GET/POST /v1/settings/payment_references;
--                            no row: KID MOD10 of any length), as the
--                            endpoint renders it (JSON text).
-- payment_reference_sequences  one counter per tenant and mode for every
--                            format (kind 'all'): a reference of one format
--                            can then never repeat one of another issued
--                            earlier (billing/payment_reference.h). Until now
--                            only kid_mod10 could have a row.

ALTER TABLE invoices ADD COLUMN reminder_fees BIGINT;
ALTER TABLE invoices ADD COLUMN late_interest BIGINT;
ALTER TABLE invoices ADD COLUMN late_interest_until BIGINT;

CREATE TABLE payment_reference_settings (
  tenant_id TEXT NOT NULL,
  livemode BIGINT NOT NULL,
  format TEXT NOT NULL,
  updated BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode)
);

UPDATE payment_reference_sequences SET kind = 'all';
