-- 020: CSV imports and exports (docs/import.md).
--
-- customers.external_id, subscriptions.external_id
--                 the key the business's old system knew the object by: an
--                 import row may name a customer or subscription by it instead
--                 of recur's id, and a row that carries an existing one
--                 updates that object. Unique per tenant and mode among the
--                 objects that are not deleted.
-- imports         one row per import (the Stripe-shaped "import" object):
--                 type customers | prices | subscriptions | balances; mode
--                 dry_run | commit; partial (commit the good rows and skip the
--                 bad) or all-or-nothing; status pending | processing |
--                 succeeded | failed. An import runs in one transaction that
--                 also writes its final status and counts, so a process killed
--                 half-way leaves it pending/processing with nothing of it
--                 applied, and it is run again from the start.
-- import_chunks   the uploaded file in pieces of at most 1 MiB, read back one
--                 piece at a time so that memory stays bounded.
-- import_errors   every error found in the file: row (the spreadsheet's row:
--                 the header is 1), column (header name, empty when the error
--                 concerns the whole row), the value and the message.

ALTER TABLE customers ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX customers_external_id ON customers (tenant_id, livemode, external_id)
  WHERE external_id IS NOT NULL AND deleted = 0;

ALTER TABLE subscriptions ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX subscriptions_external_id ON subscriptions (tenant_id, livemode, external_id)
  WHERE external_id IS NOT NULL;

CREATE TABLE imports (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  type TEXT NOT NULL,
  mode TEXT NOT NULL,
  partial INTEGER NOT NULL DEFAULT 0,
  emit_events INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL,
  filename TEXT,
  size BIGINT NOT NULL DEFAULT 0,
  options TEXT NOT NULL DEFAULT '{}',
  rows BIGINT NOT NULL DEFAULT 0,
  created_count BIGINT NOT NULL DEFAULT 0,
  updated_count BIGINT NOT NULL DEFAULT 0,
  unchanged_count BIGINT NOT NULL DEFAULT 0,
  error_count BIGINT NOT NULL DEFAULT 0,
  failure_message TEXT,
  started_at BIGINT,
  finished_at BIGINT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX imports_scope ON imports (tenant_id, livemode, seq);
CREATE INDEX imports_waiting ON imports (seq) WHERE status IN ('pending', 'processing');

CREATE TABLE import_chunks (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  import TEXT NOT NULL,
  n BIGINT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (import, n)
);

CREATE TABLE import_errors (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  import TEXT NOT NULL,
  n BIGINT NOT NULL,
  row BIGINT NOT NULL,
  col TEXT NOT NULL,
  value TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (import, n)
);
