CREATE TABLE actor (
  actor_id INT4 NOT NULL DEFAULT NEXTVAL('actor_actor_id_seq'),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT actor_pkey PRIMARY KEY (actor_id)
);

CREATE TABLE category (
  category_id INT4 NOT NULL DEFAULT NEXTVAL('category_category_id_seq'),
  name VARCHAR(25) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT category_pkey PRIMARY KEY (category_id)
);

CREATE TABLE film (
  film_id INT4 NOT NULL DEFAULT NEXTVAL('film_film_id_seq'),
  title VARCHAR(255) NOT NULL,
  description TEXT,
  release_year INT4 CHECK ((release_year >= 1901) AND (release_year <= 2155)),
  language_id INT4 NOT NULL,
  original_language_id INT4,
  rental_duration SMALLINT NOT NULL DEFAULT 3,
  rental_rate DECIMAL(4, 2) NOT NULL DEFAULT 4.99,
  length SMALLINT,
  replacement_cost DECIMAL(5, 2) NOT NULL DEFAULT 19.99,
  rating mpaa_rating DEFAULT CAST('G' AS mpaa_rating),
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  special_features TEXT[],
  fulltext tsvector NOT NULL,
  CONSTRAINT film_pkey PRIMARY KEY (film_id)
);

CREATE TABLE film_actor (
  actor_id INT4 NOT NULL,
  film_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT film_actor_pkey PRIMARY KEY (actor_id, film_id)
);

CREATE TABLE film_category (
  film_id INT4 NOT NULL,
  category_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT film_category_pkey PRIMARY KEY (film_id, category_id)
);

CREATE TABLE address (
  address_id INT4 NOT NULL DEFAULT NEXTVAL('address_address_id_seq'),
  address VARCHAR(50) NOT NULL,
  address2 VARCHAR(50),
  district VARCHAR(20) NOT NULL,
  city_id INT4 NOT NULL,
  postal_code VARCHAR(10),
  phone VARCHAR(20) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT address_pkey PRIMARY KEY (address_id)
);

CREATE TABLE city (
  city_id INT4 NOT NULL DEFAULT NEXTVAL('city_city_id_seq'),
  city VARCHAR(50) NOT NULL,
  country_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT city_pkey PRIMARY KEY (city_id)
);

CREATE TABLE country (
  country_id INT4 NOT NULL DEFAULT NEXTVAL('country_country_id_seq'),
  country VARCHAR(50) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT country_pkey PRIMARY KEY (country_id)
);

CREATE TABLE customer (
  customer_id INT4 NOT NULL DEFAULT NEXTVAL('customer_customer_id_seq'),
  store_id INT4 NOT NULL,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  email VARCHAR(50),
  address_id INT4 NOT NULL,
  activebool BOOLEAN NOT NULL DEFAULT TRUE,
  create_date DATE NOT NULL DEFAULT CURRENT_DATE,
  last_update TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  active INT4,
  CONSTRAINT customer_pkey PRIMARY KEY (customer_id)
);

CREATE TABLE inventory (
  inventory_id INT4 NOT NULL DEFAULT NEXTVAL('inventory_inventory_id_seq'),
  film_id INT4 NOT NULL,
  store_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT inventory_pkey PRIMARY KEY (inventory_id)
);

CREATE TABLE language (
  language_id INT4 NOT NULL DEFAULT NEXTVAL('language_language_id_seq'),
  name CHAR(20) NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT language_pkey PRIMARY KEY (language_id)
);

CREATE TABLE payment (
  payment_id INT4 NOT NULL DEFAULT NEXTVAL('payment_payment_id_seq'),
  customer_id INT4 NOT NULL,
  staff_id INT4 NOT NULL,
  rental_id INT4 NOT NULL,
  amount DECIMAL(5, 2) NOT NULL,
  payment_date TIMESTAMP NOT NULL,
  CONSTRAINT payment_pkey PRIMARY KEY (payment_id)
);

CREATE TABLE rental (
  rental_id INT4 NOT NULL DEFAULT NEXTVAL('rental_rental_id_seq'),
  rental_date TIMESTAMP NOT NULL,
  inventory_id INT4 NOT NULL,
  customer_id INT4 NOT NULL,
  return_date TIMESTAMP,
  staff_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT rental_pkey PRIMARY KEY (rental_id)
);

CREATE TABLE staff (
  staff_id INT4 NOT NULL DEFAULT NEXTVAL('staff_staff_id_seq'),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  address_id INT4 NOT NULL,
  email VARCHAR(50),
  store_id INT4 NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  username VARCHAR(16) NOT NULL,
  password VARCHAR(40),
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  picture BYTEA,
  CONSTRAINT staff_pkey PRIMARY KEY (staff_id)
);

CREATE TABLE store (
  store_id INT4 NOT NULL DEFAULT NEXTVAL('store_store_id_seq'),
  manager_staff_id INT4 NOT NULL,
  address_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT store_pkey PRIMARY KEY (store_id)
);

