CREATE VIEW parent_summary AS
SELECT p.id AS id, p."order" || ' / ' || COALESCE(p."user", '-') AS label, CASE WHEN p.flag THEN 'on' ELSE 'off' END AS state, COUNT(c.id) AS children, STRING_AGG(c.note, ', ' ORDER BY c.id) AS notes FROM parent AS p LEFT JOIN child AS c ON c.parent_id = p.id GROUP BY p.id;

