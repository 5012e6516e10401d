-- Assignments of SPEC §11. UUIDs are BLOBs on SQLite (sqlx's encoding).
CREATE TABLE assignments (
    id          BLOB PRIMARY KEY NOT NULL,
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT,
    subject     TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_progress', 'completed')),
    student_id  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
-- The seeds' indexing guidance: foreign keys, the (student, status) filter, due dates.
CREATE INDEX assignments_student_status ON assignments (student_id, status);
CREATE INDEX assignments_due_date ON assignments (due_date, id);
