ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_ticket_fk FOREIGN KEY (ticket_id) REFERENCES tickets (ticket_id) ON DELETE CASCADE;

ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (agent_id);

ALTER TABLE ticket_tags ADD CONSTRAINT ticket_tags_ticket_fk FOREIGN KEY (ticket_id) REFERENCES tickets (ticket_id);

