CREATE TABLE customers (
  customer_id BIGINT NOT NULL,
  email VARCHAR(320) NOT NULL,
  full_name VARCHAR(200),
  credit_limit DECIMAL(12, 2) DEFAULT 0,
  loyalty_score DECIMAL,
  risk_ratio DECIMAL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_login TIMESTAMPTZ(6),
  notes TEXT,
  avatar BYTEA,
  is_active CHAR(1) NOT NULL DEFAULT 'Y',
  CONSTRAINT customers_pk PRIMARY KEY (customer_id),
  CONSTRAINT customers_active_ck CHECK (is_active IN ('Y', 'N'))
);

CREATE TABLE products (
  product_id BIGINT NOT NULL,
  sku VARCHAR(40) NOT NULL,
  title VARCHAR(400) NOT NULL,
  unit_price DECIMAL(10, 2) NOT NULL,
  weight_kg DOUBLE PRECISION,
  thumbnail BYTEA,
  CONSTRAINT products_pk PRIMARY KEY (product_id)
);

CREATE TABLE orders (
  order_id BIGINT NOT NULL DEFAULT NEXTVAL('orders_seq'),
  customer_id BIGINT NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'NEW',
  ordered_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  shipped_on TIMESTAMP,
  total DECIMAL(14, 2),
  CONSTRAINT orders_pk PRIMARY KEY (order_id),
  CONSTRAINT orders_status_ck CHECK (status IN ('NEW', 'PAID', 'SHIPPED', 'CANCELLED'))
);

CREATE TABLE order_lines (
  order_id BIGINT NOT NULL,
  line_no SMALLINT NOT NULL,
  product_id BIGINT NOT NULL,
  quantity INT4 NOT NULL DEFAULT 1,
  unit_price DECIMAL(10, 2) NOT NULL,
  discount_pct DECIMAL(5, 2),
  CONSTRAINT order_lines_pk PRIMARY KEY (order_id, line_no)
);

CREATE TABLE audit_log (
  logged_at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP,
  actor VARCHAR(128),
  action VARCHAR(4000),
  payload TEXT
);

COMMENT ON TABLE orders IS 'One row per customer order';

COMMENT ON COLUMN orders.status IS 'NEW, PAID, SHIPPED or CANCELLED';

