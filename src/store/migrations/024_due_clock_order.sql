-- 024: the test-clock due-work queries take the next row by (due_at, seq)
-- (renewal.c, collection.c). With seq in their indexes the next row is the
-- first index entry, on every back end: PostgreSQL otherwise planned the
-- query over the tenant's index and sorted every remaining subscription at
-- each step, so a clock advance over N subscriptions cost N^2 (docs/scaling.md).
DROP INDEX subscriptions_due_clock;
CREATE INDEX subscriptions_due_clock ON subscriptions (test_clock, due_at, seq)
  WHERE test_clock IS NOT NULL AND due_at IS NOT NULL;
DROP INDEX invoices_collection_clock;
CREATE INDEX invoices_collection_clock ON invoices (test_clock, collection_due_at, seq)
  WHERE test_clock IS NOT NULL AND collection_due_at IS NOT NULL AND status IN ('draft', 'open');
