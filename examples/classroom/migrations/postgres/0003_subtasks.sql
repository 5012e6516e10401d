-- Subtasks of an assignment. `student_id` repeats the assignment's owner (set by a
-- hook on create) so the `own` and `child` scopes filter subtasks directly.
CREATE TABLE subtasks (
    id            UUID PRIMARY KEY,
    assignment_id UUID NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    student_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    done          BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX subtasks_assignment ON subtasks (assignment_id, id);
CREATE INDEX subtasks_student ON subtasks (student_id);
