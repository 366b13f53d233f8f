CREATE TABLE actor (
  actor_id INT4 NOT NULL DEFAULT NEXTVAL('actor_actor_id_seq') CHECK (actor_id >= 0),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (actor_id)
);

CREATE TABLE address (
  address_id INT4 NOT NULL DEFAULT NEXTVAL('address_address_id_seq') CHECK (address_id >= 0),
  address VARCHAR(50) NOT NULL,
  address2 VARCHAR(50),
  district VARCHAR(20) NOT NULL,
  city_id INT4 NOT NULL CHECK (city_id >= 0),
  postal_code VARCHAR(10),
  phone VARCHAR(20) NOT NULL,
  location GEOMETRY NOT NULL,
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (address_id)
);

CREATE TABLE category (
  category_id SMALLINT NOT NULL DEFAULT NEXTVAL('category_category_id_seq') CHECK (category_id >= 0),
  name VARCHAR(25) NOT NULL,
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (category_id)
);

CREATE TABLE city (
  city_id INT4 NOT NULL DEFAULT NEXTVAL('city_city_id_seq') CHECK (city_id >= 0),
  city VARCHAR(50) NOT NULL,
  country_id INT4 NOT NULL CHECK (country_id >= 0),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (city_id)
);

CREATE TABLE country (
  country_id INT4 NOT NULL DEFAULT NEXTVAL('country_country_id_seq') CHECK (country_id >= 0),
  country VARCHAR(50) NOT NULL,
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (country_id)
);

CREATE TABLE customer (
  customer_id INT4 NOT NULL DEFAULT NEXTVAL('customer_customer_id_seq') CHECK (customer_id >= 0),
  store_id SMALLINT NOT NULL CHECK (store_id >= 0),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  email VARCHAR(50),
  address_id INT4 NOT NULL CHECK (address_id >= 0),
  active BOOLEAN NOT NULL DEFAULT TRUE,
  create_date TIMESTAMP NOT NULL,
  last_update TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (customer_id)
);

CREATE TABLE film (
  film_id INT4 NOT NULL DEFAULT NEXTVAL('film_film_id_seq') CHECK (film_id >= 0),
  title VARCHAR(255) NOT NULL,
  description TEXT,
  release_year SMALLINT,
  language_id SMALLINT NOT NULL CHECK (language_id >= 0),
  original_language_id SMALLINT CHECK (original_language_id >= 0),
  rental_duration SMALLINT NOT NULL DEFAULT 3 CHECK (rental_duration >= 0),
  rental_rate DECIMAL(4, 2) NOT NULL DEFAULT 4.99,
  length INT4 CHECK (length >= 0),
  replacement_cost DECIMAL(5, 2) NOT NULL DEFAULT 19.99,
  rating film_rating DEFAULT 'G',
  special_features TEXT,
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (film_id)
);

CREATE TABLE film_actor (
  actor_id INT4 NOT NULL CHECK (actor_id >= 0),
  film_id INT4 NOT NULL CHECK (film_id >= 0),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (actor_id, film_id)
);

CREATE TABLE film_category (
  film_id INT4 NOT NULL CHECK (film_id >= 0),
  category_id SMALLINT NOT NULL CHECK (category_id >= 0),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (film_id, category_id)
);

CREATE TABLE film_text (
  film_id SMALLINT NOT NULL,
  title VARCHAR(255) NOT NULL,
  description TEXT,
  PRIMARY KEY (film_id)
);

CREATE TABLE inventory (
  inventory_id INT4 NOT NULL DEFAULT NEXTVAL('inventory_inventory_id_seq') CHECK (inventory_id >= 0),
  film_id INT4 NOT NULL CHECK (film_id >= 0),
  store_id SMALLINT NOT NULL CHECK (store_id >= 0),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (inventory_id)
);

CREATE TABLE language (
  language_id SMALLINT NOT NULL DEFAULT NEXTVAL('language_language_id_seq') CHECK (language_id >= 0),
  name CHAR(20) NOT NULL,
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (language_id)
);

CREATE TABLE payment (
  payment_id INT4 NOT NULL DEFAULT NEXTVAL('payment_payment_id_seq') CHECK (payment_id >= 0),
  customer_id INT4 NOT NULL CHECK (customer_id >= 0),
  staff_id SMALLINT NOT NULL CHECK (staff_id >= 0),
  rental_id INT4,
  amount DECIMAL(5, 2) NOT NULL,
  payment_date TIMESTAMP NOT NULL,
  last_update TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (payment_id)
);

CREATE TABLE rental (
  rental_id INT4 NOT NULL DEFAULT NEXTVAL('rental_rental_id_seq'),
  rental_date TIMESTAMP NOT NULL,
  inventory_id INT4 NOT NULL CHECK (inventory_id >= 0),
  customer_id INT4 NOT NULL CHECK (customer_id >= 0),
  return_date TIMESTAMP,
  staff_id SMALLINT NOT NULL CHECK (staff_id >= 0),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (rental_id)
);

CREATE TABLE staff (
  staff_id SMALLINT NOT NULL DEFAULT NEXTVAL('staff_staff_id_seq') CHECK (staff_id >= 0),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  address_id INT4 NOT NULL CHECK (address_id >= 0),
  picture BYTEA,
  email VARCHAR(50),
  store_id SMALLINT NOT NULL CHECK (store_id >= 0),
  active BOOLEAN NOT NULL DEFAULT TRUE,
  username VARCHAR(16) NOT NULL,
  password VARCHAR(40),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (staff_id)
);

CREATE TABLE store (
  store_id SMALLINT NOT NULL DEFAULT NEXTVAL('store_store_id_seq') CHECK (store_id >= 0),
  manager_staff_id SMALLINT NOT NULL CHECK (manager_staff_id >= 0),
  address_id INT4 NOT NULL CHECK (address_id >= 0),
  last_update TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE NOW(),
  PRIMARY KEY (store_id)
);

