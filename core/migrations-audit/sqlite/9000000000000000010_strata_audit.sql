-- Strata framework migration (audit log): one row per write through a derived
-- resource, written in the same transaction as the write.
CREATE TABLE strata_audit_log (
    id          BLOB PRIMARY KEY NOT NULL,
    at          TEXT NOT NULL,
    actor_id    BLOB,
    action      TEXT NOT NULL CHECK (action IN ('created', 'updated', 'deleted')),
    resource    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    changes     TEXT NOT NULL,
    request_id  TEXT
);
CREATE INDEX strata_audit_log_row ON strata_audit_log (resource, resource_id);
CREATE INDEX strata_audit_log_at ON strata_audit_log (at);
CREATE INDEX strata_audit_log_actor ON strata_audit_log (actor_id);
