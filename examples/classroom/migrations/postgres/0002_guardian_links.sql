-- Which guardian may read which student's assignments (the `child` scope).
CREATE TABLE guardian_links (
    id          UUID PRIMARY KEY,
    guardian_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    student_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (guardian_id, student_id)
);
CREATE INDEX guardian_links_student ON guardian_links (student_id);
