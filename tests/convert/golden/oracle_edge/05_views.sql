CREATE VIEW recent_transfers (id, amount, memo, "when") AS
SELECT t.transfer_id, COALESCE(t.amount, 0), t.memo, CURRENT_TIMESTAMP FROM transfers AS t JOIN accounts AS a ON a.account_id = t.from_account WHERE a.status = 'A';

