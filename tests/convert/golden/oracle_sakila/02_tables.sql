CREATE TABLE actor (
  actor_id INT4 NOT NULL DEFAULT NEXTVAL('actor_sequence'),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_actor PRIMARY KEY (actor_id)
);

CREATE TABLE country (
  country_id INT4 NOT NULL DEFAULT NEXTVAL('country_sequence'),
  country VARCHAR(50) NOT NULL,
  last_update TIMESTAMP,
  CONSTRAINT pk_country PRIMARY KEY (country_id)
);

CREATE TABLE city (
  city_id INT4 NOT NULL DEFAULT NEXTVAL('city_sequence'),
  city VARCHAR(50) NOT NULL,
  country_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_city PRIMARY KEY (city_id)
);

CREATE TABLE address (
  address_id INT4 NOT NULL DEFAULT NEXTVAL('address_sequence'),
  address VARCHAR(50) NOT NULL,
  address2 VARCHAR(50),
  district VARCHAR(20) NOT NULL,
  city_id INT4 NOT NULL,
  postal_code VARCHAR(10),
  phone VARCHAR(20) NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_address PRIMARY KEY (address_id)
);

CREATE TABLE language (
  language_id INT4 NOT NULL DEFAULT NEXTVAL('language_sequence'),
  name CHAR(20) NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_language PRIMARY KEY (language_id)
);

CREATE TABLE category (
  category_id INT4 NOT NULL DEFAULT NEXTVAL('category_sequence'),
  name VARCHAR(25) NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_category PRIMARY KEY (category_id)
);

CREATE TABLE customer (
  customer_id INT4 NOT NULL DEFAULT NEXTVAL('customer_sequence'),
  store_id INT4 NOT NULL,
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  email VARCHAR(50),
  address_id INT4 NOT NULL,
  active CHAR(1) NOT NULL DEFAULT 'Y',
  create_date TIMESTAMP NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_customer PRIMARY KEY (customer_id)
);

CREATE TABLE film (
  film_id INT4 NOT NULL DEFAULT NEXTVAL('film_sequence'),
  title VARCHAR(255) NOT NULL,
  description TEXT,
  release_year VARCHAR(4),
  language_id INT4 NOT NULL,
  original_language_id INT4,
  rental_duration SMALLINT NOT NULL DEFAULT 3,
  rental_rate DECIMAL(4, 2) NOT NULL DEFAULT 4.99,
  length SMALLINT,
  replacement_cost DECIMAL(5, 2) NOT NULL DEFAULT 19.99,
  rating VARCHAR(10) DEFAULT 'G',
  special_features VARCHAR(100),
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_film PRIMARY KEY (film_id),
  CONSTRAINT check_special_features CHECK (special_features IS NULL OR special_features LIKE '%Trailers%' OR special_features LIKE '%Commentaries%' OR special_features LIKE '%Deleted Scenes%' OR special_features LIKE '%Behind the Scenes%'),
  CONSTRAINT check_special_rating CHECK (rating IN ('G', 'PG', 'PG-13', 'R', 'NC-17'))
);

CREATE TABLE film_actor (
  actor_id INT4 NOT NULL,
  film_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_film_actor PRIMARY KEY (actor_id, film_id)
);

CREATE TABLE film_category (
  film_id INT4 NOT NULL,
  category_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_film_category PRIMARY KEY (film_id, category_id)
);

CREATE TABLE film_text (
  film_id INT4 NOT NULL,
  title VARCHAR(255) NOT NULL,
  description TEXT,
  CONSTRAINT pk_film_text PRIMARY KEY (film_id)
);

CREATE TABLE inventory (
  inventory_id INT4 NOT NULL DEFAULT NEXTVAL('inventory_sequence'),
  film_id INT4 NOT NULL,
  store_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_inventory PRIMARY KEY (inventory_id)
);

CREATE TABLE staff (
  staff_id INT4 NOT NULL DEFAULT NEXTVAL('staff_sequence'),
  first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45) NOT NULL,
  address_id INT4 NOT NULL,
  picture BYTEA,
  email VARCHAR(50),
  store_id INT4 NOT NULL,
  active SMALLINT NOT NULL DEFAULT 1,
  username VARCHAR(16) NOT NULL,
  password VARCHAR(40),
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_staff PRIMARY KEY (staff_id)
);

CREATE TABLE store (
  store_id INT4 NOT NULL DEFAULT NEXTVAL('store_sequence'),
  manager_staff_id INT4 NOT NULL,
  address_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_store PRIMARY KEY (store_id)
);

CREATE TABLE payment (
  payment_id INT4 NOT NULL DEFAULT NEXTVAL('payment_sequence'),
  customer_id INT4 NOT NULL,
  staff_id INT4 NOT NULL,
  rental_id INT4,
  amount DECIMAL(5, 2) NOT NULL,
  payment_date TIMESTAMP NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_payment PRIMARY KEY (payment_id)
);

CREATE TABLE rental (
  rental_id INT4 NOT NULL DEFAULT NEXTVAL('rental_sequence'),
  rental_date TIMESTAMP NOT NULL,
  inventory_id INT4 NOT NULL,
  customer_id INT4 NOT NULL,
  return_date TIMESTAMP,
  staff_id INT4 NOT NULL,
  last_update TIMESTAMP NOT NULL,
  CONSTRAINT pk_rental PRIMARY KEY (rental_id)
);

