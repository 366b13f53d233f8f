CREATE TABLE person (
  id BIGINT NOT NULL DEFAULT NEXTVAL('person_id_seq'),
  ref UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
  name TEXT NOT NULL,
  current_mood mood DEFAULT CAST('ok' AS mood),
  tags TEXT[],
  attrs JSONB DEFAULT CAST('{}' AS JSONB),
  wallet DECIMAL(19, 2),
  balance DECIMAL(12, 2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
  born DATE DEFAULT CURRENT_DATE,
  full_name TEXT GENERATED ALWAYS AS (name || '!') STORED,
  CONSTRAINT person_pkey PRIMARY KEY (id)
);

CREATE TABLE pet (
  id INT4 NOT NULL DEFAULT NEXTVAL('pet_id_seq'),
  owner_id BIGINT NOT NULL,
  name VARCHAR(40),
  CONSTRAINT pet_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE pet IS 'pets';

