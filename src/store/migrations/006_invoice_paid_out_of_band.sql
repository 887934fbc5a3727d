-- 006: invoices paid outside recur.
--
-- POST /v1/invoices/:id/pay with paid_out_of_band=true settles an invoice
-- with money recur never saw: its ledger posting goes to the out_of_band
-- suspense account, and no payment intent exists. recur verify's "paid
-- invoices have a payment" accepts a paid invoice without a succeeded
-- payment intent only when this mark says it was paid out of band.
-- Bookkeeping, not rendered: Stripe's current invoice object has no such field.
-- Nullable: the store writes NULL for a field an object lacks, read as 0.

ALTER TABLE invoices ADD COLUMN paid_out_of_band INTEGER DEFAULT 0;
