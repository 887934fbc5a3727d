-- 018: the append-only audit log (docs/audit.md) and ids for API keys.
--
-- api_keys.id  key_..., the name of a key in the audit log: the secret itself
--              is never stored (only its hash) and never written anywhere.
--              Keys made before this migration get a random id here
--              (each back end has its own random function).
ALTER TABLE api_keys ADD COLUMN id TEXT;
-- @sqlite
UPDATE api_keys SET id = 'key_' || lower(hex(randomblob(12))) WHERE id IS NULL;
-- @postgres
UPDATE api_keys SET id = 'key_' || substr(md5(random()::text || key_hash), 1, 24) WHERE id IS NULL;
-- @end
CREATE UNIQUE INDEX api_keys_id ON api_keys (id);

-- One row per change: every POST/DELETE the API answered with a 2xx (or a 402
-- whose attempt is kept), written in the request's transaction, and the changes
-- of the scheduler (actor system) and of the CLI (actor cli).
--   actor            api | system | cli
--   key_id           the API key's id (api_keys.id), NULL for system and cli
--   request_id       the Request-Id header of the request (req_...)
--   idempotency_key  the Idempotency-Key header, when one was sent
--   method, path     the request line (path without the query string)
--   action           create | update | delete | void | finalize | pay | ...
--   object_type,     the primary object: the response's object, else the
--   object_id        path's id
--   status           the HTTP status answered
--   diff             {object id: {object, events, before, after}}: what the
--                    events of the transaction say changed (docs/audit.md)
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  livemode INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  created BIGINT NOT NULL,
  actor TEXT NOT NULL,
  key_id TEXT,
  request_id TEXT,
  idempotency_key TEXT,
  method TEXT,
  path TEXT,
  action TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  status BIGINT,
  diff TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_scope ON audit_log (tenant_id, livemode, seq);
CREATE INDEX audit_log_object ON audit_log (tenant_id, livemode, object_id, seq);
CREATE INDEX audit_log_request ON audit_log (tenant_id, livemode, request_id);

-- Append-only in the database itself: no statement, from recur or from a
-- person with sqlite3 or psql, can change or remove an entry. (PostgreSQL:
-- TRUNCATE skips row triggers, so its own trigger refuses it too; an operator
-- may also REVOKE UPDATE, DELETE, TRUNCATE ON audit_log from recur's role.)
-- @sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
END;
-- @postgres
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'audit_log is append-only: entries cannot be changed';
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: entries cannot be deleted';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
-- @end
