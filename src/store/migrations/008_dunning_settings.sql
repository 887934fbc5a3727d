-- 008: the tenant's dunning policy (GET/POST /v1/settings/dunning), payment
-- stops, and send_invoice reminders.
--
-- dunning_settings   one row per tenant and mode: the policy as the settings
--                    endpoint renders it (JSON text), parsed by the same code
--                    that validates a POST. No row: billing_dunning_policy_default.
-- payment_stops      one row per customer or invoice under a payment stop
--                    (object_id is cus_... or in_...): reminders and retries
--                    of its open invoices halt until the row is deleted.
-- invoices.reminders_sent  reminders sent for an open send_invoice invoice;
--                    the next one is due work in collection_due_at (migration
--                    007's column and indexes), so the test clock and the wall
--                    scheduler run it in time order with charges and renewals.

CREATE TABLE dunning_settings (
  tenant_id TEXT NOT NULL,
  livemode BIGINT NOT NULL,
  policy TEXT NOT NULL,
  updated BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode)
);

CREATE TABLE payment_stops (
  tenant_id TEXT NOT NULL,
  livemode BIGINT NOT NULL,
  object_id TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode, object_id)
);

ALTER TABLE invoices ADD COLUMN reminders_sent BIGINT;
