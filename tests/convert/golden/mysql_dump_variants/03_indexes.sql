CREATE INDEX idx_a ON t1 (a);

ALTER TABLE t1 ADD CONSTRAINT uq_b UNIQUE (b);

CREATE INDEX idx_z ON t1 (z);

CREATE INDEX idx_bc ON t1 (b, c);

