ALTER TABLE accounts ADD CONSTRAINT accounts_name_uk UNIQUE ("display name");

CREATE INDEX transfers_amount_ix ON transfers (amount);

CREATE INDEX accounts_lower_ix ON accounts (LOWER("display name"));

CREATE UNIQUE INDEX transfers_memo_ux ON transfers (memo, transfer_id);

