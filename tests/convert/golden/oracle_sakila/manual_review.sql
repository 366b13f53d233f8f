-- trigger actor_before_trigger (source line 37)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER actor_before_trigger 
BEFORE INSERT ON actor FOR EACH ROW 
BEGIN
  IF (:NEW.actor_id IS NULL) THEN
    SELECT actor_sequence.nextval INTO :NEW.actor_id
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger actor_before_update (source line 48)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER actor_before_update
BEFORE UPDATE ON actor FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger country_before_trigger (source line 73)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER country_before_trigger
BEFORE INSERT ON country FOR EACH ROW 
BEGIN
  IF (:NEW.country_id IS NULL) THEN
    SELECT country_sequence.nextval INTO :NEW.country_id
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger country_before_update (source line 84)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER country_before_update
BEFORE UPDATE ON country FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger city_before_trigger (source line 113)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER city_before_trigger
BEFORE INSERT ON city FOR EACH ROW 
BEGIN
  IF (:NEW.city_id IS NULL) THEN
    SELECT city_sequence.nextval INTO :NEW.city_id 
    FROM DUAL;
  END IF;
 :NEW.last_update:=current_date;
END;

-- trigger city_before_update (source line 124)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER city_before_update
BEFORE UPDATE ON city FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger address_before_trigger (source line 159)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER address_before_trigger
BEFORE INSERT ON address FOR EACH ROW 
BEGIN
  IF (:NEW.address_id IS NULL) THEN
    SELECT address_sequence.nextval INTO :NEW.address_id 
    FROM DUAL;
  END IF;
 :NEW.last_update:=current_date;
END;

-- trigger address_before_update (source line 170)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER address_before_update
BEFORE UPDATE ON address FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger language_before_trigger (source line 193)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER language_before_trigger
BEFORE INSERT ON language FOR EACH ROW 
BEGIN
  IF (:NEW.language_id IS NULL) THEN
    SELECT language_sequence.nextval INTO :NEW.language_id 
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger language_before_update (source line 204)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER language_before_update
BEFORE UPDATE ON language FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger category_before_trigger (source line 227)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER category_before_trigger
BEFORE INSERT ON category FOR EACH ROW 
BEGIN
  IF (:NEW.category_id IS NULL) THEN
    SELECT category_sequence.nextval INTO :NEW.category_id 
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger category_before_update (source line 238)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER category_before_update
BEFORE UPDATE ON category FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger customer_before_trigger (source line 274)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER customer_before_trigger
BEFORE INSERT ON customer FOR EACH ROW 
BEGIN
  IF (:NEW.customer_id IS NULL) THEN
    SELECT customer_sequence.nextval INTO :NEW.customer_id 
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
  :NEW.create_date:=current_date;
END;

-- trigger customer_before_update (source line 285)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER customer_before_update
BEFORE UPDATE ON customer FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger film_before_trigger (source line 332)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER film_before_trigger
BEFORE INSERT ON film FOR EACH ROW 
BEGIN
 IF (:NEW.film_id IS NULL) THEN
   SELECT film_sequence.nextval INTO :NEW.film_id 
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger film_before_update (source line 343)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER film_before_update
BEFORE UPDATE ON film FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger film_actor_before_trigger (source line 369)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER film_actor_before_trigger
BEFORE INSERT ON film_actor FOR EACH ROW 
BEGIN
    :NEW.last_update:=current_date;
END;

-- trigger film_actor_before_update (source line 376)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER film_actor_before_update
BEFORE UPDATE ON film_actor FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger film_category_before_trigger (source line 401)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER film_category_before_trigger
BEFORE INSERT ON film_category FOR EACH ROW 
BEGIN
    :NEW.last_update:=current_date;
END;

-- trigger film_category_before_update (source line 408)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER film_category_before_update
BEFORE UPDATE ON film_category FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger inventory_before_trigger (source line 449)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER inventory_before_trigger
BEFORE INSERT ON inventory FOR EACH ROW 
BEGIN
 IF (:NEW.inventory_id IS NULL) THEN
   SELECT inventory_sequence.nextval INTO :NEW.inventory_id 
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger inventory_before_update (source line 459)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER inventory_before_update
BEFORE UPDATE ON inventory FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger staff_before_trigger (source line 497)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER staff_before_trigger
BEFORE INSERT ON staff FOR EACH ROW 
BEGIN
 IF (:NEW.staff_id IS NULL) THEN
   SELECT staff_sequence.nextval INTO :NEW.staff_id 
    FROM DUAL;
  END IF;
  :NEW.last_update:=current_date;
END;

-- trigger staff_before_update (source line 508)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER staff_before_update
BEFORE UPDATE ON staff FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger store_before_trigger (source line 542)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER store_before_trigger
BEFORE INSERT ON store FOR EACH ROW 
BEGIN
 IF (:NEW.store_id IS NULL) THEN
   SELECT store_sequence.nextval INTO :NEW.store_id 
    FROM DUAL;
  END IF;
 :NEW.last_update:=current_date;
END;

-- trigger store_before_update (source line 553)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER store_before_update
BEFORE UPDATE ON store FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger payment_before_trigger (source line 587)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER payment_before_trigger
BEFORE INSERT ON payment FOR EACH ROW 
BEGIN
 IF (:NEW.payment_id IS NULL) THEN
   SELECT payment_sequence.nextval INTO :NEW.payment_id  
    FROM DUAL;
  END IF;
 :NEW.last_update:=current_date;
END;

-- trigger payment_before_update (source line 598)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER payment_before_update
BEFORE UPDATE ON payment FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;

-- trigger rental_before_trigger (source line 633)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER rental_before_trigger
BEFORE INSERT ON rental FOR EACH ROW 
BEGIN
 IF (:NEW.rental_id IS NULL) THEN
   SELECT rental_sequence.nextval INTO :NEW.rental_id 
    FROM DUAL;
  END IF;
 :NEW.last_update:=current_date;
END;

-- trigger rental_before_update (source line 644)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE TRIGGER rental_before_update
BEFORE UPDATE ON rental FOR EACH ROW 
BEGIN
  :NEW.last_update:=current_date;
END;
