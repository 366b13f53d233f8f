ALTER TABLE parent ADD CONSTRAINT uk_order UNIQUE ("order");

CREATE INDEX idx_kind ON parent (kind);

CREATE INDEX idx_prefix ON parent ("user");

CREATE INDEX child_idx_kind ON child (parent_id);

