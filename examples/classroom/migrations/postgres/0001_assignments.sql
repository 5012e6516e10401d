-- Assignments of SPEC §11.
CREATE TABLE assignments (
    id          UUID PRIMARY KEY,
    title       TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description TEXT,
    subject     TEXT NOT NULL,
    due_date    TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_progress', 'completed')),
    student_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
-- The seeds' indexing guidance: foreign keys, the (student, status) filter, due dates.
CREATE INDEX assignments_student_status ON assignments (student_id, status);
CREATE INDEX assignments_due_date ON assignments (due_date, id);
