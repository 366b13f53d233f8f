CREATE TYPE film_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17');

CREATE SEQUENCE actor_actor_id_seq;

CREATE SEQUENCE address_address_id_seq;

CREATE SEQUENCE category_category_id_seq;

CREATE SEQUENCE city_city_id_seq;

CREATE SEQUENCE country_country_id_seq;

CREATE SEQUENCE customer_customer_id_seq;

CREATE SEQUENCE film_film_id_seq;

CREATE SEQUENCE inventory_inventory_id_seq;

CREATE SEQUENCE language_language_id_seq;

CREATE SEQUENCE payment_payment_id_seq;

CREATE SEQUENCE rental_rental_id_seq;

CREATE SEQUENCE staff_staff_id_seq;

CREATE SEQUENCE store_store_id_seq;

