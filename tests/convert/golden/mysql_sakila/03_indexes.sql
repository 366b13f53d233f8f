CREATE INDEX idx_actor_last_name ON actor (last_name);

CREATE INDEX idx_fk_city_id ON address (city_id);

CREATE INDEX idx_location ON address USING GIST (location);

CREATE INDEX idx_fk_country_id ON city (country_id);

CREATE INDEX idx_fk_store_id ON customer (store_id);

CREATE INDEX idx_fk_address_id ON customer (address_id);

CREATE INDEX idx_last_name ON customer (last_name);

CREATE INDEX idx_title ON film (title);

CREATE INDEX idx_fk_language_id ON film (language_id);

CREATE INDEX idx_fk_original_language_id ON film (original_language_id);

CREATE INDEX idx_fk_film_id ON film_actor (film_id);

CREATE INDEX inventory_idx_fk_film_id ON inventory (film_id);

CREATE INDEX idx_store_id_film_id ON inventory (store_id, film_id);

CREATE INDEX idx_fk_staff_id ON payment (staff_id);

CREATE INDEX idx_fk_customer_id ON payment (customer_id);

ALTER TABLE rental ADD CONSTRAINT rental_rental_date_inventory_id_customer_id_key UNIQUE (rental_date, inventory_id, customer_id);

CREATE INDEX idx_fk_inventory_id ON rental (inventory_id);

CREATE INDEX rental_idx_fk_customer_id ON rental (customer_id);

CREATE INDEX rental_idx_fk_staff_id ON rental (staff_id);

CREATE INDEX staff_idx_fk_store_id ON staff (store_id);

CREATE INDEX staff_idx_fk_address_id ON staff (address_id);

ALTER TABLE store ADD CONSTRAINT idx_unique_manager UNIQUE (manager_staff_id);

CREATE INDEX store_idx_fk_address_id ON store (address_id);

