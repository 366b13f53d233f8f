CREATE TABLE accounts (
  account_id UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
  "display name" VARCHAR(100),
  balance DECIMAL(19, 4) NOT NULL DEFAULT 0,
  rate DOUBLE PRECISION,
  score DECIMAL,
  opened TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  closed_at TIMESTAMPTZ(3),
  balance2 DECIMAL GENERATED ALWAYS AS (balance * 2) STORED,
  status CHAR(1) DEFAULT 'A',
  blob_data BYTEA,
  CONSTRAINT accounts_pk PRIMARY KEY (account_id),
  CONSTRAINT accounts_status_ck CHECK (status IN ('A', 'C'))
);

CREATE TABLE transfers (
  transfer_id BIGINT NOT NULL,
  from_account UUID NOT NULL,
  to_account UUID,
  amount DECIMAL(19, 4),
  memo VARCHAR(4000),
  CONSTRAINT transfers_pk PRIMARY KEY (transfer_id)
);

