CREATE VIEW open_tickets AS
SELECT t.ticket_id, t.subject, COALESCE(a.login, 'unassigned') AS agent FROM tickets AS t LEFT JOIN ticket_events AS e ON e.ticket_id = t.ticket_id LEFT JOIN agents AS a ON a.agent_id = e.agent_id;

