CREATE SEQUENCE hd_audit_seq INCREMENT BY 10 START WITH 1000;

CREATE SEQUENCE ticket_events_event_id_seq;

CREATE SEQUENCE tickets_ticket_id_seq;

