-- 002: test clocks. A customer on a clock lives at the clock's frozen_time;
-- advancing the clock runs that customer's due work up to the new time.
CREATE TABLE test_clocks (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  name TEXT,
  frozen_time BIGINT NOT NULL,
  status TEXT NOT NULL,
  status_details TEXT,
  deletes_after BIGINT NOT NULL
);
CREATE INDEX test_clocks_scope ON test_clocks (tenant_id, livemode, seq);
