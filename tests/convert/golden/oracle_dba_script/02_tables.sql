CREATE TABLE ticket_events (
  event_id BIGINT NOT NULL DEFAULT NEXTVAL('ticket_events_event_id_seq'),
  ticket_id BIGINT NOT NULL,
  agent_id BIGINT,
  happened_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  local_seen TIMESTAMPTZ,
  waited INTERVAL,
  sla INTERVAL,
  payload JSONB,
  CONSTRAINT ticket_events_pk PRIMARY KEY (event_id)
);

CREATE TABLE tickets (
  ticket_id BIGINT NOT NULL DEFAULT NEXTVAL('tickets_ticket_id_seq'),
  subject VARCHAR(300) NOT NULL,
  priority SMALLINT NOT NULL DEFAULT 3,
  opened_on TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  price DECIMAL(12, 2),
  price_tax DECIMAL(14, 2) GENERATED ALWAYS AS (ROUND(price * 1.2, 2)) STORED,
  subject_len INT4 GENERATED ALWAYS AS (LENGTH(subject)) STORED,
  attrs JSONB,
  row_ref TEXT,
  legacy_key BYTEA,
  body_xml TEXT,
  CONSTRAINT tickets_pk PRIMARY KEY (ticket_id),
  CONSTRAINT tickets_priority_ck CHECK (priority BETWEEN 1 AND 5)
);

CREATE TABLE agents (
  agent_id BIGINT NOT NULL,
  login VARCHAR(30) NOT NULL,
  team_code CHAR(3),
  hired TIMESTAMP,
  email VARCHAR(320),
  CONSTRAINT agents_pk PRIMARY KEY (agent_id)
);

CREATE TABLE teams (
  team_code CHAR(3) NOT NULL,
  name VARCHAR(100),
  CONSTRAINT teams_pk PRIMARY KEY (team_code)
);

CREATE TABLE ticket_tags (
  ticket_id BIGINT NOT NULL,
  tag VARCHAR(40) NOT NULL,
  CONSTRAINT ticket_tags_pk PRIMARY KEY (ticket_id, tag)
);

COMMENT ON TABLE tickets IS 'One row per customer request';

COMMENT ON COLUMN tickets.priority IS '1 = highest, 5 = lowest';

