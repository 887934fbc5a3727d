-- 017: webhook endpoints and their deliveries (docs/webhooks.md).
--
-- webhook_endpoints  Stripe's WebhookEndpoint. secret (whsec_...) is not a
--                    field of the object: it is shown once, on create, and
--                    read again only by the delivery worker to sign.
-- webhook_deliveries one row per (event, endpoint) the event matched, written
--                    in the event's own transaction. status pending |
--                    succeeded | failed; next_attempt_at is the due column
--                    the worker claims by (a claim pushes it forward by a
--                    lease, so a worker killed mid-send is retried, never
--                    lost); claimed_at marks a claim in flight, so a
--                    server that starts again after a crash can send its
--                    claimed deliveries at once instead of after the lease.
--                    created is the event's time (a test clock's, maybe);
--                    first_attempt_at is the wall clock of the first send,
--                    from which the 3-day retry window counts.
-- webhook_attempts   every HTTP attempt of a delivery, append-only.

CREATE TABLE webhook_endpoints (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  url TEXT NOT NULL,
  enabled_events TEXT NOT NULL,
  description TEXT,
  metadata TEXT,
  api_version TEXT,
  application TEXT,
  status TEXT NOT NULL,
  secret TEXT
);
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (tenant_id, livemode, seq);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (tenant_id, livemode, status);

CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  endpoint TEXT NOT NULL,
  event TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  first_attempt_at BIGINT,
  claimed_at BIGINT,
  last_status_code BIGINT,
  last_error TEXT,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  UNIQUE (event, endpoint)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint, status);

CREATE TABLE webhook_attempts (
  seq INTEGER PRIMARY KEY,
  delivery BIGINT NOT NULL,
  attempted_at BIGINT NOT NULL,
  status_code BIGINT,
  error TEXT,
  duration_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery, seq);
