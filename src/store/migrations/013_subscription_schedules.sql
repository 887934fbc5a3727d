-- 013: subscription schedules (Stripe's subscription_schedules): phases of
-- items a subscription moves through with time, and what happens after the
-- last one (end_behavior release | cancel).
--
-- subscription_schedules.phases   the phases as the API renders them (JSON
--                                 text), with start_date and end_date fixed
--                                 when they were set (iterations become
--                                 dates then, billing/schedule.h).
-- subscription_schedules.phase_index  the phase the subscription is in
--                                 (bookkeeping; not rendered).
-- subscription_schedules.due_at   a not_started schedule's start_date: the
--                                 due work that creates its subscription
--                                 (NULL once started). Phase transitions of a
--                                 started schedule are the subscription's due
--                                 work (subscriptions.schedule_due_at).
-- subscriptions.schedule          the schedule managing the subscription, or
--                                 NULL (rendered as Stripe's `schedule`).
-- subscriptions.schedule_due_at   the end of the schedule's current phase
--                                 (bookkeeping): the subscription's due_at is
--                                 never later, so a phase change runs in the
--                                 same due-work loop as renewals, before a
--                                 renewal due at the same instant.

CREATE TABLE subscription_schedules (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  customer TEXT NOT NULL,
  status TEXT NOT NULL,
  subscription TEXT,
  end_behavior TEXT NOT NULL,
  phases TEXT NOT NULL,
  default_settings TEXT,
  released_at BIGINT,
  released_subscription TEXT,
  canceled_at BIGINT,
  completed_at BIGINT,
  test_clock TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  phase_index BIGINT NOT NULL DEFAULT 0,
  due_at BIGINT
);
CREATE INDEX subscription_schedules_scope ON subscription_schedules (tenant_id, livemode, seq);
CREATE INDEX subscription_schedules_customer ON subscription_schedules (tenant_id, livemode, customer, seq);
CREATE INDEX subscription_schedules_due ON subscription_schedules (due_at);

ALTER TABLE subscriptions ADD COLUMN schedule TEXT;
ALTER TABLE subscriptions ADD COLUMN schedule_due_at BIGINT;
