ALTER TABLE transfers ADD CONSTRAINT transfers_from_fk FOREIGN KEY (from_account) REFERENCES accounts (account_id);

ALTER TABLE transfers ADD CONSTRAINT transfers_to_fk FOREIGN KEY (to_account) REFERENCES accounts (account_id) ON DELETE SET NULL;

