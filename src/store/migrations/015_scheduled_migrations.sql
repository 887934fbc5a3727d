-- 015: scheduled migrations and plan version updates
-- (docs/billing.md "Scheduled migrations" and "Plan version updates").
--
-- subscription_migrations.schedule          the subscription schedule whose
--                                           phase carries a scheduled migration
-- subscription_migrations.schedule_created  1 when the migration made that
--                                           schedule (removing the migration
--                                           then releases it)
-- subscription_migrations.overrides         the overrides the request gave,
--                                           applied over the rule's defaults
--                                           as they are when it runs
-- subscription_migrations.version_update    the version update (vu_...) that
--                                           scheduled it, if any
-- plan_version_updates                      one row per bulk version update:
--                                           from and to prices, status and
--                                           counts

ALTER TABLE subscription_migrations ADD COLUMN schedule TEXT;
ALTER TABLE subscription_migrations ADD COLUMN schedule_created INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscription_migrations ADD COLUMN overrides TEXT NOT NULL DEFAULT '{}';
ALTER TABLE subscription_migrations ADD COLUMN version_update TEXT;
CREATE INDEX subscription_migrations_status ON subscription_migrations (tenant_id, livemode, subscription, status);

CREATE TABLE plan_version_updates (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  plan_family TEXT NOT NULL,
  from_price TEXT NOT NULL,
  to_price TEXT NOT NULL,
  status TEXT NOT NULL,
  subscriptions BIGINT NOT NULL,
  scheduled BIGINT NOT NULL,
  skipped BIGINT NOT NULL
);
CREATE INDEX plan_version_updates_scope ON plan_version_updates (tenant_id, livemode, seq);
