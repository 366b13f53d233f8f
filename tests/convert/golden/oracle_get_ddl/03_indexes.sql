ALTER TABLE accounts ADD CONSTRAINT accounts_code_uk UNIQUE (code);

CREATE INDEX invoices_account_ix ON invoices (account_id);

