-- 023: drafts with auto_advance are finalized about an hour after they were
-- made, as Stripe does (collection.h, svc_collection_plan_draft): their
-- collection_due_at is that moment, so the collection indexes of migration 007
-- cover drafts as well as open invoices.
DROP INDEX invoices_collection_wall;
DROP INDEX invoices_collection_clock;
CREATE INDEX invoices_collection_wall ON invoices (collection_due_at)
  WHERE test_clock IS NULL AND collection_due_at IS NOT NULL AND status IN ('draft', 'open');
CREATE INDEX invoices_collection_clock ON invoices (test_clock, collection_due_at)
  WHERE test_clock IS NOT NULL AND collection_due_at IS NOT NULL AND status IN ('draft', 'open');
