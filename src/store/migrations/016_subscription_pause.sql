-- 016: pausing a subscription (POST /v1/subscriptions/:id/pause, recur's
-- own; docs/billing.md "Pausing and resuming a subscription").
--
-- subscriptions.pause_resumes_at  when a paused subscription resumes by
--                                 itself (bookkeeping, not rendered): the
--                                 due work that resumes it. NULL: only
--                                 POST .../resume resumes it.
-- subscriptions.paid_through      how far the time billed before the pause
--                                 reaches (bookkeeping): the period end when
--                                 the unused time was not credited, the
--                                 pause time when it was. NULL while not
--                                 paused, and for a trial that ended in a
--                                 pause (its period end then).

ALTER TABLE subscriptions ADD COLUMN pause_resumes_at BIGINT;
ALTER TABLE subscriptions ADD COLUMN paid_through BIGINT;

-- subscriptions.cancel_at_proration  the proration_behavior of the update
--                                 that set cancel_at (bookkeeping): how the
--                                 cancellation prorates when it comes. NULL:
--                                 create_prorations.
ALTER TABLE subscriptions ADD COLUMN cancel_at_proration TEXT;
