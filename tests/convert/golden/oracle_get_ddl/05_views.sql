CREATE VIEW open_invoices (invoice_id, account_id, amount) AS
SELECT i.invoice_id, i.account_id, i.amount FROM invoices AS i WHERE i.due_at > CURRENT_TIMESTAMP;

