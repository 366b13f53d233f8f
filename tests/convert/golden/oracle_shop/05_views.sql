CREATE VIEW open_orders (order_id, email, total) AS
SELECT o.order_id, c.email, o.total FROM orders AS o JOIN customers AS c ON c.customer_id = o.customer_id WHERE o.status IN ('NEW', 'PAID');

