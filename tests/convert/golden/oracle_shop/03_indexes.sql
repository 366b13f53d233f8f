ALTER TABLE customers ADD CONSTRAINT customers_email_uk UNIQUE (email);

ALTER TABLE products ADD CONSTRAINT products_sku_uk UNIQUE (sku);

CREATE INDEX orders_customer_ix ON orders (customer_id, ordered_at DESC);

CREATE INDEX customers_name_ix ON customers (UPPER(full_name));

