CREATE VIEW happy_people AS
WITH h AS (SELECT p.id, p.name FROM person AS p WHERE p.current_mood = CAST('happy' AS mood)) SELECT h.id, h.name, COUNT(pet.id) AS pets FROM h LEFT JOIN pet ON pet.owner_id = h.id GROUP BY h.id, h.name;

