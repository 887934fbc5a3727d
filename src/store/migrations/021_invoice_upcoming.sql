-- 021: invoice.upcoming, a configurable number of days before a renewal
-- (docs/webhooks.md "invoice.upcoming").
--
-- subscription_settings  one row per tenant and mode: the settings object of
--                 GET/POST /v1/settings/subscriptions as JSON text (today
--                 invoice_upcoming_days). No row: the default, 7 days.
-- subscriptions.invoice_upcoming_sent  the current_period_end whose
--                 invoice.upcoming was sent or deliberately skipped
--                 (bookkeeping, not rendered): the notice is due work
--                 before the period ends, once per (subscription, period),
--                 so a step run again after a crash or a clock advanced
--                 twice over the same instant sends nothing twice
--                 (subscription_upcoming.c).

CREATE TABLE subscription_settings (
  tenant_id TEXT NOT NULL,
  livemode BIGINT NOT NULL,
  settings TEXT NOT NULL,
  updated BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode)
);

ALTER TABLE subscriptions ADD COLUMN invoice_upcoming_sent BIGINT;
