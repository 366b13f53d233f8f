CREATE TABLE parent (
  id BIGINT NOT NULL DEFAULT NEXTVAL('parent_id_seq') CHECK (id >= 0),
  "order" VARCHAR(20) NOT NULL,
  "user" VARCHAR(20),
  flag BOOLEAN NOT NULL DEFAULT TRUE,
  bits BOOLEAN DEFAULT FALSE,
  big DECIMAL(20) CHECK (big >= 0),
  price DECIMAL(10, 2) NOT NULL DEFAULT '0.00' CHECK (price >= 0),
  doc JSONB,
  yr SMALLINT,
  created TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  zero TIMESTAMP,
  kind parent_kind NOT NULL DEFAULT 'a',
  tags TEXT,
  doubled INT4 GENERATED ALWAYS AS (price * 2) STORED,
  pic BYTEA,
  a_column_name_of_exactly_sixty_three_bytes_that_postgres_keeps1 INT4,
  PRIMARY KEY (id)
);

CREATE TABLE child (
  id BIGINT NOT NULL DEFAULT NEXTVAL('child_id_seq'),
  parent_id BIGINT NOT NULL CHECK (parent_id >= 0),
  other_id BIGINT CHECK (other_id >= 0),
  note TEXT,
  PRIMARY KEY (id)
);

COMMENT ON TABLE parent IS 'parents';

COMMENT ON COLUMN child.note IS 'free text';

