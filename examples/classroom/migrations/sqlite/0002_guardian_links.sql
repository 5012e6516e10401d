-- Which guardian may read which student's assignments (the `child` scope).
CREATE TABLE guardian_links (
    id          BLOB PRIMARY KEY NOT NULL,
    guardian_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    student_id  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (guardian_id, student_id)
);
CREATE INDEX guardian_links_student ON guardian_links (student_id);
