CREATE SEQUENCE actor_sequence;

CREATE SEQUENCE country_sequence;

CREATE SEQUENCE city_sequence;

CREATE SEQUENCE address_sequence;

CREATE SEQUENCE language_sequence;

CREATE SEQUENCE category_sequence;

CREATE SEQUENCE customer_sequence;

CREATE SEQUENCE film_sequence;

CREATE SEQUENCE inventory_sequence;

CREATE SEQUENCE staff_sequence;

CREATE SEQUENCE store_sequence;

CREATE SEQUENCE payment_sequence;

CREATE SEQUENCE rental_sequence;

