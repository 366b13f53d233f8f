CREATE VIEW customer_list AS
SELECT cu.customer_id AS id, ((CAST((cu.first_name) AS TEXT) || CAST(' ' AS TEXT)) || CAST((cu.last_name) AS TEXT)) AS name, a.address, a.postal_code AS "zip code", a.phone, city.city, country.country, CASE WHEN cu.activebool THEN CAST('active' AS TEXT) ELSE CAST('' AS TEXT) END AS notes, cu.store_id AS sid FROM (((customer AS cu JOIN address AS a ON ((cu.address_id = a.address_id))) JOIN city ON ((a.city_id = city.city_id))) JOIN country ON ((city.country_id = country.country_id)));

CREATE VIEW sales_by_film_category AS
SELECT c.name AS category, SUM(p.amount) AS total_sales FROM (((((payment AS p JOIN rental AS r ON ((p.rental_id = r.rental_id))) JOIN inventory AS i ON ((r.inventory_id = i.inventory_id))) JOIN film AS f ON ((i.film_id = f.film_id))) JOIN film_category AS fc ON ((f.film_id = fc.film_id))) JOIN category AS c ON ((fc.category_id = c.category_id))) GROUP BY c.name ORDER BY SUM(p.amount) DESC NULLS FIRST;

CREATE VIEW sales_by_store AS
SELECT ((CAST((c.city) AS TEXT) || CAST(',' AS TEXT)) || CAST((cy.country) AS TEXT)) AS store, ((CAST((m.first_name) AS TEXT) || CAST(' ' AS TEXT)) || CAST((m.last_name) AS TEXT)) AS manager, SUM(p.amount) AS total_sales FROM (((((((payment AS p JOIN rental AS r ON ((p.rental_id = r.rental_id))) JOIN inventory AS i ON ((r.inventory_id = i.inventory_id))) JOIN store AS s ON ((i.store_id = s.store_id))) JOIN address AS a ON ((s.address_id = a.address_id))) JOIN city AS c ON ((a.city_id = c.city_id))) JOIN country AS cy ON ((c.country_id = cy.country_id))) JOIN staff AS m ON ((s.manager_staff_id = m.staff_id))) GROUP BY cy.country, c.city, s.store_id, m.first_name, m.last_name ORDER BY cy.country NULLS LAST, c.city NULLS LAST;

CREATE VIEW staff_list AS
SELECT s.staff_id AS id, ((CAST((s.first_name) AS TEXT) || CAST(' ' AS TEXT)) || CAST((s.last_name) AS TEXT)) AS name, a.address, a.postal_code AS "zip code", a.phone, city.city, country.country, s.store_id AS sid FROM (((staff AS s JOIN address AS a ON ((s.address_id = a.address_id))) JOIN city ON ((a.city_id = city.city_id))) JOIN country ON ((city.country_id = country.country_id)));

