CREATE TABLE accounts (
  account_id BIGINT NOT NULL DEFAULT NEXTVAL('accounts_account_id_seq'),
  code VARCHAR(20) NOT NULL,
  profile JSONB,
  credit DECIMAL(15, 2) NOT NULL DEFAULT 0,
  opened TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  code_upper VARCHAR(20) GENERATED ALWAYS AS (UPPER(code)) STORED,
  signature BYTEA,
  CONSTRAINT accounts_pk PRIMARY KEY (account_id)
);

CREATE TABLE invoices (
  invoice_id BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  issued_at TIMESTAMPTZ(6) NOT NULL,
  due_at TIMESTAMPTZ(6),
  amount DECIMAL(38, 10),
  terms INTERVAL,
  pdf BYTEA,
  src_rowid TEXT,
  doc TEXT,
  CONSTRAINT invoices_pk PRIMARY KEY (invoice_id),
  CONSTRAINT invoices_amount_ck CHECK (amount >= 0)
);

CREATE TABLE payments (
  payment_id BIGINT NOT NULL DEFAULT NEXTVAL('payments_payment_id_seq'),
  invoice_id BIGINT NOT NULL,
  account_ref BIGINT,
  paid DECIMAL(12, 2) NOT NULL,
  paid_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  channel VARCHAR(10) NOT NULL DEFAULT 'card',
  CONSTRAINT payments_pk PRIMARY KEY (payment_id),
  CONSTRAINT payments_channel_ck CHECK (channel IN ('card', 'wire', 'cash'))
);

COMMENT ON COLUMN invoices.terms IS 'payment terms';

COMMENT ON TABLE invoices IS 'issued invoices';

