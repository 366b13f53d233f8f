ALTER TABLE agents ADD CONSTRAINT agents_login_uk UNIQUE (login);

CREATE INDEX ticket_events_ticket_ix ON ticket_events (ticket_id, happened_at DESC);

CREATE INDEX tickets_opened_ix ON tickets (opened_on);

