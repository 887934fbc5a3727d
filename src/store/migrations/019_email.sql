-- 019: e-mail notifications (docs/email.md).
--
-- email_messages  one row per e-mail recur sends, written in the transaction
--                 of the event that causes it (event is its evt_ id), so a
--                 change and its mail are never split. The mailer of
--                 `recur serve` sends pending rows whose next_attempt_at has
--                 come (0: at once), oldest first. next_attempt_at is wall
--                 clock (created is the event's time, a test clock's maybe);
--                 a claim pushes it forward by a lease, so a mailer killed
--                 mid-send sends again later, never loses it. A failed attempt sets
--                 next_attempt_at by exponential backoff and last_error, and
--                 after the last attempt status becomes failed. status:
--                 pending | sent | failed. locale: en | nb | sv | da. kind:
--                 invoice_finalized, payment_receipt, payment_failed,
--                 reminder, trial_ending, renewal_upcoming,
--                 subscription_canceled.
-- email_settings  one row per tenant and mode: the settings object of
--                 GET/POST /v1/settings/email as JSON text.

CREATE TABLE email_messages (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  event TEXT NOT NULL,
  customer TEXT,
  recipient TEXT NOT NULL,
  locale TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  sent_at BIGINT
);
CREATE INDEX email_messages_scope ON email_messages (tenant_id, livemode, seq);
CREATE INDEX email_messages_due ON email_messages (next_attempt_at)
  WHERE status = 'pending';

-- subscriptions.trial_will_end_sent  the trial_end whose
--                 customer.subscription.trial_will_end was sent (bookkeeping,
--                 not rendered): the notice is due work three days before
--                 the trial ends, once per trial end (subscription_notice.c).
ALTER TABLE subscriptions ADD COLUMN trial_will_end_sent BIGINT;

CREATE TABLE email_settings (
  tenant_id TEXT NOT NULL,
  livemode BIGINT NOT NULL,
  settings TEXT NOT NULL,
  updated BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, livemode)
);
