-- 014: plan families, subscription migrations and MRR movements
-- (docs/billing.md "Plan families and migrations").
--
-- plan_families.prices / rules   the member prices and the migration rules as
--                                the API renders them (JSON text): a family is
--                                read whole whenever a migration is checked.
-- plan_family_prices             one row per member price: a price belongs to
--                                at most one family, which the primary key
--                                enforces, and a subscription's price finds
--                                its family through it.
-- subscription_migrations        every migration of a subscription (mig_...):
--                                from and to prices, kind, timing, status
--                                (scheduled | completed | canceled) and the
--                                invoice it made.
-- mrr_movements                  recur's own record of MRR changes (new,
--                                expansion, contraction, churn, reactivation)
--                                written in the transaction that causes them;
--                                created is the movement's instant ("at"),
--                                which is the subscription's (test clock) time.

CREATE TABLE plan_families (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  name TEXT NOT NULL,
  prices TEXT NOT NULL,
  rules TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX plan_families_scope ON plan_families (tenant_id, livemode, seq);

CREATE TABLE plan_family_prices (
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  price TEXT NOT NULL,
  family TEXT NOT NULL,
  PRIMARY KEY (tenant_id, livemode, price)
);

CREATE TABLE subscription_migrations (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  subscription TEXT NOT NULL,
  customer TEXT NOT NULL,
  plan_family TEXT,
  from_price TEXT NOT NULL,
  to_price TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  kind TEXT NOT NULL,
  timing TEXT NOT NULL,
  effective_at BIGINT,
  status TEXT NOT NULL,
  settings TEXT NOT NULL,
  invoice TEXT,
  metadata TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX subscription_migrations_sub ON subscription_migrations (tenant_id, livemode, subscription, seq);

CREATE TABLE mrr_movements (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  subscription TEXT NOT NULL,
  customer TEXT NOT NULL,
  kind TEXT NOT NULL,
  mrr_before BIGINT NOT NULL,
  mrr_after BIGINT NOT NULL,
  delta BIGINT NOT NULL,
  currency TEXT NOT NULL,
  source TEXT NOT NULL
);
CREATE INDEX mrr_movements_scope ON mrr_movements (tenant_id, livemode, seq);
CREATE INDEX mrr_movements_sub ON mrr_movements (tenant_id, livemode, subscription, seq);
CREATE INDEX mrr_movements_customer ON mrr_movements (tenant_id, livemode, customer, seq);
