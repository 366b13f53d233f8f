-- language plpgsql (source line 22)
-- Procedural languages are built into CockroachDB; nothing to create.
CREATE OR REPLACE PROCEDURAL LANGUAGE plpgsql

-- function _group_concat (source line 89)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION _group_concat(text, text) RETURNS text
    AS $_$
SELECT CASE
  WHEN $2 IS NULL THEN $1
  WHEN $1 IS NULL THEN $2
  ELSE $1 || ', ' || $2
END
$_$
    LANGUAGE sql IMMUTABLE

-- aggregate group_concat (source line 106)
-- User-defined aggregates are not supported by CockroachDB: rewrite the queries using them.
CREATE AGGREGATE group_concat(text) (
    SFUNC = _group_concat,
    STYPE = text
)

-- inherited table payment_p2007_01 (source line 446)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE payment_p2007_01 (CONSTRAINT payment_p2007_01_payment_date_check CHECK (((payment_date >= '2007-01-01 00:00:00'::timestamp without time zone) AND (payment_date < '2007-02-01 00:00:00'::timestamp without time zone)))
)
INHERITS (payment)

-- inherited table payment_p2007_02 (source line 457)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE payment_p2007_02 (CONSTRAINT payment_p2007_02_payment_date_check CHECK (((payment_date >= '2007-02-01 00:00:00'::timestamp without time zone) AND (payment_date < '2007-03-01 00:00:00'::timestamp without time zone)))
)
INHERITS (payment)

-- inherited table payment_p2007_03 (source line 468)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE payment_p2007_03 (CONSTRAINT payment_p2007_03_payment_date_check CHECK (((payment_date >= '2007-03-01 00:00:00'::timestamp without time zone) AND (payment_date < '2007-04-01 00:00:00'::timestamp without time zone)))
)
INHERITS (payment)

-- inherited table payment_p2007_04 (source line 479)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE payment_p2007_04 (CONSTRAINT payment_p2007_04_payment_date_check CHECK (((payment_date >= '2007-04-01 00:00:00'::timestamp without time zone) AND (payment_date < '2007-05-01 00:00:00'::timestamp without time zone)))
)
INHERITS (payment)

-- inherited table payment_p2007_05 (source line 490)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE payment_p2007_05 (CONSTRAINT payment_p2007_05_payment_date_check CHECK (((payment_date >= '2007-05-01 00:00:00'::timestamp without time zone) AND (payment_date < '2007-06-01 00:00:00'::timestamp without time zone)))
)
INHERITS (payment)

-- inherited table payment_p2007_06 (source line 501)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE payment_p2007_06 (CONSTRAINT payment_p2007_06_payment_date_check CHECK (((payment_date >= '2007-06-01 00:00:00'::timestamp without time zone) AND (payment_date < '2007-07-01 00:00:00'::timestamp without time zone)))
)
INHERITS (payment)

-- function film_in_stock (source line 633)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION film_in_stock(p_film_id integer, p_store_id integer, OUT p_film_count integer) RETURNS SETOF integer
    AS $_$
     SELECT inventory_id
     FROM inventory
     WHERE film_id = $1
     AND store_id = $2
     AND inventory_in_stock(inventory_id);
$_$
    LANGUAGE sql

-- function film_not_in_stock (source line 650)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION film_not_in_stock(p_film_id integer, p_store_id integer, OUT p_film_count integer) RETURNS SETOF integer
    AS $_$
    SELECT inventory_id
    FROM inventory
    WHERE film_id = $1
    AND store_id = $2
    AND NOT inventory_in_stock(inventory_id);
$_$
    LANGUAGE sql

-- function get_customer_balance (source line 667)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION get_customer_balance(p_customer_id integer, p_effective_date timestamp without time zone) RETURNS numeric
    AS $$
       --#OK, WE NEED TO CALCULATE THE CURRENT BALANCE GIVEN A CUSTOMER_ID AND A DATE
       --#THAT WE WANT THE BALANCE TO BE EFFECTIVE FOR. THE BALANCE IS:
       --#   1) RENTAL FEES FOR ALL PREVIOUS RENTALS
       --#   2) ONE DOLLAR FOR EVERY DAY THE PREVIOUS RENTALS ARE OVERDUE
       --#   3) IF A FILM IS MORE THAN RENTAL_DURATION * 2 OVERDUE, CHARGE THE REPLACEMENT_COST
       --#   4) SUBTRACT ALL PAYMENTS MADE BEFORE THE DATE SPECIFIED
DECLARE
    v_rentfees DECIMAL(5,2); --#FEES PAID TO RENT THE VIDEOS INITIALLY
    v_overfees INTEGER;      --#LATE FEES FOR PRIOR RENTALS
    v_payments DECIMAL(5,2); --#SUM OF PAYMENTS MADE PREVIOUSLY
BEGIN
    SELECT COALESCE(SUM(film.rental_rate),0) INTO v_rentfees
    FROM film, inventory, rental
    WHERE film.film_id = inventory.film_id
      AND inventory.inventory_id = rental.inventory_id
      AND rental.rental_date <= p_effective_date
      AND rental.customer_id = p_customer_id;

    SELECT COALESCE(SUM(IF((rental.return_date - rental.rental_date) > (film.rental_duration * '1 day'::interval),
        ((rental.return_date - rental.rental_date) - (film.rental_duration * '1 day'::interval)),0)),0) INTO v_overfees
    FROM rental, inventory, film
    WHERE film.film_id = inventory.film_id
      AND inventory.inventory_id = rental.inventory_id
      AND rental.rental_date <= p_effective_date
      AND rental.customer_id = p_customer_id;

    SELECT COALESCE(SUM(payment.amount),0) INTO v_payments
    FROM payment
    WHERE payment.payment_date <= p_effective_date
    AND payment.customer_id = p_customer_id;

    RETURN v_rentfees + v_overfees - v_payments;
END
$$
    LANGUAGE plpgsql

-- function inventory_held_by_customer (source line 712)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION inventory_held_by_customer(p_inventory_id integer) RETURNS integer
    AS $$
DECLARE
    v_customer_id INTEGER;
BEGIN

  SELECT customer_id INTO v_customer_id
  FROM rental
  WHERE return_date IS NULL
  AND inventory_id = p_inventory_id;

  RETURN v_customer_id;
END $$
    LANGUAGE plpgsql

-- function inventory_in_stock (source line 734)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION inventory_in_stock(p_inventory_id integer) RETURNS boolean
    AS $$
DECLARE
    v_rentals INTEGER;
    v_out     INTEGER;
BEGIN
    -- AN ITEM IS IN-STOCK IF THERE ARE EITHER NO ROWS IN THE rental TABLE
    -- FOR THE ITEM OR ALL ROWS HAVE return_date POPULATED

    SELECT count(*) INTO v_rentals
    FROM rental
    WHERE inventory_id = p_inventory_id;

    IF v_rentals = 0 THEN
      RETURN TRUE;
    END IF;

    SELECT COUNT(rental_id) INTO v_out
    FROM inventory LEFT JOIN rental USING(inventory_id)
    WHERE inventory.inventory_id = p_inventory_id
    AND rental.return_date IS NULL;

    IF v_out > 0 THEN
      RETURN FALSE;
    ELSE
      RETURN TRUE;
    END IF;
END $$
    LANGUAGE plpgsql

-- function last_day (source line 771)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION last_day(timestamp without time zone) RETURNS date
    AS $_$
  SELECT CASE
    WHEN EXTRACT(MONTH FROM $1) = 12 THEN
      (((EXTRACT(YEAR FROM $1) + 1) operator(pg_catalog.||) '-01-01')::date - INTERVAL '1 day')::date
    ELSE
      ((EXTRACT(YEAR FROM $1) operator(pg_catalog.||) '-' operator(pg_catalog.||) (EXTRACT(MONTH FROM $1) + 1) operator(pg_catalog.||) '-01')::date - INTERVAL '1 day')::date
    END
$_$
    LANGUAGE sql IMMUTABLE STRICT

-- function last_updated (source line 789)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION last_updated() RETURNS trigger
    AS $$
BEGIN
    NEW.last_update = CURRENT_TIMESTAMP;
    RETURN NEW;
END $$
    LANGUAGE plpgsql

-- function rewards_report (source line 804)
-- Functions are not converted: port by hand (CockroachDB supports SQL and PL/pgSQL UDFs).
CREATE FUNCTION rewards_report(min_monthly_purchases integer, min_dollar_amount_purchased numeric) RETURNS SETOF customer
    AS $_$
DECLARE
    last_month_start DATE;
    last_month_end DATE;
rr RECORD;
tmpSQL TEXT;
BEGIN

    /* Some sanity checks... */
    IF min_monthly_purchases = 0 THEN
        RAISE EXCEPTION 'Minimum monthly purchases parameter must be > 0';
    END IF;
    IF min_dollar_amount_purchased = 0.00 THEN
        RAISE EXCEPTION 'Minimum monthly dollar amount purchased parameter must be > $0.00';
    END IF;

    last_month_start := CURRENT_DATE - '3 month'::interval;
    last_month_start := to_date((extract(YEAR FROM last_month_start) || '-' || extract(MONTH FROM last_month_start) || '-01'),'YYYY-MM-DD');
    last_month_end := LAST_DAY(last_month_start);

    /*
    Create a temporary storage area for Customer IDs.
    */
    CREATE TEMPORARY TABLE tmpCustomer (customer_id INTEGER NOT NULL PRIMARY KEY);

    /*
    Find all customers meeting the monthly purchase requirements
    */

    tmpSQL := 'INSERT INTO tmpCustomer (customer_id)
        SELECT p.customer_id
        FROM payment AS p
        WHERE DATE(p.payment_date) BETWEEN '||quote_literal(last_month_start) ||' AND '|| quote_literal(last_month_end) || '
        GROUP BY customer_id
        HAVING SUM(p.amount) > '|| min_dollar_amount_purchased || '
        AND COUNT(customer_id) > ' ||min_monthly_purchases ;

    EXECUTE tmpSQL;

    /*
    Output ALL customer information of matching rewardees.
    Customize output as needed.
    */
    FOR rr IN EXECUTE 'SELECT c.* FROM tmpCustomer AS t INNER JOIN customer AS c ON t.customer_id = c.customer_id' LOOP
        RETURN NEXT rr;
    END LOOP;

    /* Clean up */
    tmpSQL := 'DROP TABLE tmpCustomer';
    EXECUTE tmpSQL;

RETURN;
END
$_$
    LANGUAGE plpgsql SECURITY DEFINER

-- rule payment_insert_p2007_01 (source line 1191)
-- PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.
CREATE RULE payment_insert_p2007_01 AS ON INSERT TO payment WHERE ((new.payment_date >= '2007-01-01 00:00:00'::timestamp without time zone) AND (new.payment_date < '2007-02-01 00:00:00'::timestamp without time zone)) DO INSTEAD INSERT INTO payment_p2007_01 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES (DEFAULT, new.customer_id, new.staff_id, new.rental_id, new.amount, new.payment_date)

-- rule payment_insert_p2007_02 (source line 1198)
-- PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.
CREATE RULE payment_insert_p2007_02 AS ON INSERT TO payment WHERE ((new.payment_date >= '2007-02-01 00:00:00'::timestamp without time zone) AND (new.payment_date < '2007-03-01 00:00:00'::timestamp without time zone)) DO INSTEAD INSERT INTO payment_p2007_02 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES (DEFAULT, new.customer_id, new.staff_id, new.rental_id, new.amount, new.payment_date)

-- rule payment_insert_p2007_03 (source line 1205)
-- PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.
CREATE RULE payment_insert_p2007_03 AS ON INSERT TO payment WHERE ((new.payment_date >= '2007-03-01 00:00:00'::timestamp without time zone) AND (new.payment_date < '2007-04-01 00:00:00'::timestamp without time zone)) DO INSTEAD INSERT INTO payment_p2007_03 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES (DEFAULT, new.customer_id, new.staff_id, new.rental_id, new.amount, new.payment_date)

-- rule payment_insert_p2007_04 (source line 1212)
-- PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.
CREATE RULE payment_insert_p2007_04 AS ON INSERT TO payment WHERE ((new.payment_date >= '2007-04-01 00:00:00'::timestamp without time zone) AND (new.payment_date < '2007-05-01 00:00:00'::timestamp without time zone)) DO INSTEAD INSERT INTO payment_p2007_04 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES (DEFAULT, new.customer_id, new.staff_id, new.rental_id, new.amount, new.payment_date)

-- rule payment_insert_p2007_05 (source line 1219)
-- PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.
CREATE RULE payment_insert_p2007_05 AS ON INSERT TO payment WHERE ((new.payment_date >= '2007-05-01 00:00:00'::timestamp without time zone) AND (new.payment_date < '2007-06-01 00:00:00'::timestamp without time zone)) DO INSTEAD INSERT INTO payment_p2007_05 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES (DEFAULT, new.customer_id, new.staff_id, new.rental_id, new.amount, new.payment_date)

-- rule payment_insert_p2007_06 (source line 1226)
-- PostgreSQL rules are not supported by CockroachDB: port to the application or a trigger.
CREATE RULE payment_insert_p2007_06 AS ON INSERT TO payment WHERE ((new.payment_date >= '2007-06-01 00:00:00'::timestamp without time zone) AND (new.payment_date < '2007-07-01 00:00:00'::timestamp without time zone)) DO INSTEAD INSERT INTO payment_p2007_06 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) VALUES (DEFAULT, new.customer_id, new.staff_id, new.rental_id, new.amount, new.payment_date)

-- trigger film_fulltext_trigger (source line 1233)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER film_fulltext_trigger
    BEFORE INSERT OR UPDATE ON film
    FOR EACH ROW
    EXECUTE PROCEDURE tsvector_update_trigger('fulltext', 'pg_catalog.english', 'title', 'description')

-- trigger last_updated (source line 1243)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON actor
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1253)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON address
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1263)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON category
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1273)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON city
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1283)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON country
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1293)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON customer
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1303)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON film
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1313)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON film_actor
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1323)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON film_category
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1333)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON inventory
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1343)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON language
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1353)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON rental
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1363)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON staff
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- trigger last_updated (source line 1373)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE TRIGGER last_updated
    BEFORE UPDATE ON store
    FOR EACH ROW
    EXECUTE PROCEDURE last_updated()

-- alter table payment_p2007_01 (source line 1487)
-- table payment_p2007_01 is left for manual porting
ALTER TABLE ONLY payment_p2007_01
    ADD CONSTRAINT payment_p2007_01_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(customer_id)

-- alter table payment_p2007_01 (source line 1495)
-- table payment_p2007_01 is left for manual porting
ALTER TABLE ONLY payment_p2007_01
    ADD CONSTRAINT payment_p2007_01_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental(rental_id)

-- alter table payment_p2007_01 (source line 1503)
-- table payment_p2007_01 is left for manual porting
ALTER TABLE ONLY payment_p2007_01
    ADD CONSTRAINT payment_p2007_01_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff(staff_id)

-- alter table payment_p2007_02 (source line 1511)
-- table payment_p2007_02 is left for manual porting
ALTER TABLE ONLY payment_p2007_02
    ADD CONSTRAINT payment_p2007_02_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(customer_id)

-- alter table payment_p2007_02 (source line 1519)
-- table payment_p2007_02 is left for manual porting
ALTER TABLE ONLY payment_p2007_02
    ADD CONSTRAINT payment_p2007_02_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental(rental_id)

-- alter table payment_p2007_02 (source line 1527)
-- table payment_p2007_02 is left for manual porting
ALTER TABLE ONLY payment_p2007_02
    ADD CONSTRAINT payment_p2007_02_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff(staff_id)

-- alter table payment_p2007_03 (source line 1535)
-- table payment_p2007_03 is left for manual porting
ALTER TABLE ONLY payment_p2007_03
    ADD CONSTRAINT payment_p2007_03_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(customer_id)

-- alter table payment_p2007_03 (source line 1543)
-- table payment_p2007_03 is left for manual porting
ALTER TABLE ONLY payment_p2007_03
    ADD CONSTRAINT payment_p2007_03_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental(rental_id)

-- alter table payment_p2007_03 (source line 1551)
-- table payment_p2007_03 is left for manual porting
ALTER TABLE ONLY payment_p2007_03
    ADD CONSTRAINT payment_p2007_03_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff(staff_id)

-- alter table payment_p2007_04 (source line 1559)
-- table payment_p2007_04 is left for manual porting
ALTER TABLE ONLY payment_p2007_04
    ADD CONSTRAINT payment_p2007_04_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(customer_id)

-- alter table payment_p2007_04 (source line 1567)
-- table payment_p2007_04 is left for manual porting
ALTER TABLE ONLY payment_p2007_04
    ADD CONSTRAINT payment_p2007_04_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental(rental_id)

-- alter table payment_p2007_04 (source line 1575)
-- table payment_p2007_04 is left for manual porting
ALTER TABLE ONLY payment_p2007_04
    ADD CONSTRAINT payment_p2007_04_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff(staff_id)

-- alter table payment_p2007_05 (source line 1583)
-- table payment_p2007_05 is left for manual porting
ALTER TABLE ONLY payment_p2007_05
    ADD CONSTRAINT payment_p2007_05_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(customer_id)

-- alter table payment_p2007_05 (source line 1591)
-- table payment_p2007_05 is left for manual porting
ALTER TABLE ONLY payment_p2007_05
    ADD CONSTRAINT payment_p2007_05_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental(rental_id)

-- alter table payment_p2007_05 (source line 1599)
-- table payment_p2007_05 is left for manual porting
ALTER TABLE ONLY payment_p2007_05
    ADD CONSTRAINT payment_p2007_05_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff(staff_id)

-- alter table payment_p2007_06 (source line 1607)
-- table payment_p2007_06 is left for manual porting
ALTER TABLE ONLY payment_p2007_06
    ADD CONSTRAINT payment_p2007_06_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customer(customer_id)

-- alter table payment_p2007_06 (source line 1615)
-- table payment_p2007_06 is left for manual porting
ALTER TABLE ONLY payment_p2007_06
    ADD CONSTRAINT payment_p2007_06_rental_id_fkey FOREIGN KEY (rental_id) REFERENCES rental(rental_id)

-- alter table payment_p2007_06 (source line 1623)
-- table payment_p2007_06 is left for manual porting
ALTER TABLE ONLY payment_p2007_06
    ADD CONSTRAINT payment_p2007_06_staff_id_fkey FOREIGN KEY (staff_id) REFERENCES staff(staff_id)

-- index idx_fk_payment_p2007_01_customer_id (source line 1058)
-- table payment_p2007_01 is not converted
CREATE INDEX idx_fk_payment_p2007_01_customer_id ON payment_p2007_01 USING btree (customer_id)

-- index idx_fk_payment_p2007_01_staff_id (source line 1065)
-- table payment_p2007_01 is not converted
CREATE INDEX idx_fk_payment_p2007_01_staff_id ON payment_p2007_01 USING btree (staff_id)

-- index idx_fk_payment_p2007_02_customer_id (source line 1072)
-- table payment_p2007_02 is not converted
CREATE INDEX idx_fk_payment_p2007_02_customer_id ON payment_p2007_02 USING btree (customer_id)

-- index idx_fk_payment_p2007_02_staff_id (source line 1079)
-- table payment_p2007_02 is not converted
CREATE INDEX idx_fk_payment_p2007_02_staff_id ON payment_p2007_02 USING btree (staff_id)

-- index idx_fk_payment_p2007_03_customer_id (source line 1086)
-- table payment_p2007_03 is not converted
CREATE INDEX idx_fk_payment_p2007_03_customer_id ON payment_p2007_03 USING btree (customer_id)

-- index idx_fk_payment_p2007_03_staff_id (source line 1093)
-- table payment_p2007_03 is not converted
CREATE INDEX idx_fk_payment_p2007_03_staff_id ON payment_p2007_03 USING btree (staff_id)

-- index idx_fk_payment_p2007_04_customer_id (source line 1100)
-- table payment_p2007_04 is not converted
CREATE INDEX idx_fk_payment_p2007_04_customer_id ON payment_p2007_04 USING btree (customer_id)

-- index idx_fk_payment_p2007_04_staff_id (source line 1107)
-- table payment_p2007_04 is not converted
CREATE INDEX idx_fk_payment_p2007_04_staff_id ON payment_p2007_04 USING btree (staff_id)

-- index idx_fk_payment_p2007_05_customer_id (source line 1114)
-- table payment_p2007_05 is not converted
CREATE INDEX idx_fk_payment_p2007_05_customer_id ON payment_p2007_05 USING btree (customer_id)

-- index idx_fk_payment_p2007_05_staff_id (source line 1121)
-- table payment_p2007_05 is not converted
CREATE INDEX idx_fk_payment_p2007_05_staff_id ON payment_p2007_05 USING btree (staff_id)

-- index idx_fk_payment_p2007_06_customer_id (source line 1128)
-- table payment_p2007_06 is not converted
CREATE INDEX idx_fk_payment_p2007_06_customer_id ON payment_p2007_06 USING btree (customer_id)

-- index idx_fk_payment_p2007_06_staff_id (source line 1135)
-- table payment_p2007_06 is not converted
CREATE INDEX idx_fk_payment_p2007_06_staff_id ON payment_p2007_06 USING btree (staff_id)

-- view actor_info (source line 207)
-- uses function group_concat, left for manual porting
CREATE VIEW actor_info AS
    SELECT a.actor_id, a.first_name, a.last_name, group_concat(DISTINCT (((c.name)::text || ': '::text) || (SELECT group_concat((f.title)::text) AS group_concat FROM ((film f JOIN film_category fc ON ((f.film_id = fc.film_id))) JOIN film_actor fa ON ((f.film_id = fa.film_id))) WHERE ((fc.category_id = c.category_id) AND (fa.actor_id = a.actor_id)) GROUP BY fa.actor_id))) AS film_info FROM (((actor a LEFT JOIN film_actor fa ON ((a.actor_id = fa.actor_id))) LEFT JOIN film_category fc ON ((fa.film_id = fc.film_id))) LEFT JOIN category c ON ((fc.category_id = c.category_id))) GROUP BY a.actor_id, a.first_name, a.last_name

-- view film_list (source line 344)
-- uses function group_concat, left for manual porting
CREATE VIEW film_list AS
    SELECT film.film_id AS fid, film.title, film.description, category.name AS category, film.rental_rate AS price, film.length, film.rating, group_concat((((actor.first_name)::text || ' '::text) || (actor.last_name)::text)) AS actors FROM ((((category LEFT JOIN film_category ON ((category.category_id = film_category.category_id))) LEFT JOIN film ON ((film_category.film_id = film.film_id))) JOIN film_actor ON ((film.film_id = film_actor.film_id))) JOIN actor ON ((film_actor.actor_id = actor.actor_id))) GROUP BY film.film_id, film.title, film.description, category.name, film.rental_rate, film.length, film.rating

-- view nicer_but_slower_film_list (source line 407)
-- uses function group_concat, left for manual porting
CREATE VIEW nicer_but_slower_film_list AS
    SELECT film.film_id AS fid, film.title, film.description, category.name AS category, film.rental_rate AS price, film.length, film.rating, group_concat((((upper("substring"((actor.first_name)::text, 1, 1)) || lower("substring"((actor.first_name)::text, 2))) || upper("substring"((actor.last_name)::text, 1, 1))) || lower("substring"((actor.last_name)::text, 2)))) AS actors FROM ((((category LEFT JOIN film_category ON ((category.category_id = film_category.category_id))) LEFT JOIN film ON ((film_category.film_id = film.film_id))) JOIN film_actor ON ((film.film_id = film_actor.film_id))) JOIN actor ON ((film_actor.actor_id = actor.actor_id))) GROUP BY film.film_id, film.title, film.description, category.name, film.rental_rate, film.length, film.rating
