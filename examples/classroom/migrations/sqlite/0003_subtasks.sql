-- Subtasks of an assignment. `student_id` repeats the assignment's owner (set by a
-- hook on create) so the `own` and `child` scopes filter subtasks directly.
CREATE TABLE subtasks (
    id            BLOB PRIMARY KEY NOT NULL,
    assignment_id BLOB NOT NULL REFERENCES assignments (id) ON DELETE CASCADE,
    student_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    done          INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX subtasks_assignment ON subtasks (assignment_id, id);
CREATE INDEX subtasks_student ON subtasks (student_id);
