-- 007: automatic collection and payment retries (dunning) of invoices.
--
-- next_payment_attempt is Stripe's field: when the next automatic charge of an
-- open invoice is due, or NULL when none is scheduled.
--
-- The rest is recur's bookkeeping, not rendered:
--   collection_due_at      when the invoice's collection work is next due: a
--                          charge (then equal to next_payment_attempt) or, once
--                          the retries are spent or a hard decline ended them,
--                          the final action of the dunning policy. Due work is
--                          a column, as for subscriptions: nothing scans.
--   dunning_first_failure  when the first automatic attempt failed; every
--                          retry is counted from it (billing/dunning.h).
--   dunning_attempts       automatic attempts made, all failed.
--
-- Only open invoices are collected: the partial indexes carry status = 'open',
-- so an invoice paid, voided or marked uncollectible leaves them with the
-- status change, whatever its due column still says.

ALTER TABLE invoices ADD COLUMN next_payment_attempt BIGINT;
ALTER TABLE invoices ADD COLUMN collection_due_at BIGINT;
ALTER TABLE invoices ADD COLUMN dunning_first_failure BIGINT;
ALTER TABLE invoices ADD COLUMN dunning_attempts BIGINT;

CREATE INDEX invoices_collection_wall ON invoices (collection_due_at)
  WHERE test_clock IS NULL AND collection_due_at IS NOT NULL AND status = 'open';
CREATE INDEX invoices_collection_clock ON invoices (test_clock, collection_due_at)
  WHERE test_clock IS NOT NULL AND collection_due_at IS NOT NULL AND status = 'open';
