ALTER TABLE "Accounts" ADD CONSTRAINT accounts_name_uk UNIQUE ("Display Name");

CREATE INDEX transfers_amount_ix ON transfers (amount);

CREATE INDEX accounts_lower_ix ON "Accounts" (LOWER("Display Name"));

CREATE UNIQUE INDEX transfers_memo_ux ON transfers (memo, transfer_id);

