-- Assignments of SPEC §11. Later migrations add users, subtasks and guardian links.
CREATE TABLE assignments (
    id          UUID PRIMARY KEY,
    title       TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description TEXT,
    subject     TEXT NOT NULL,
    due_date    TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_progress', 'completed')),
    student_id  UUID NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX assignments_student_status ON assignments (student_id, status);
CREATE INDEX assignments_due_date ON assignments (due_date);
