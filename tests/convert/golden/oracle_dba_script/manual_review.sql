-- disabled constraint agents.agents_team_fk (source line 64)
-- DISABLEd in Oracle, so the rows may not obey it: add it by hand after checking
CONSTRAINT agents_team_fk FOREIGN KEY (team_code) REFERENCES teams DISABLE NOVALIDATE

-- synonym hd_tickets (source line 90)
-- Synonyms have no CockroachDB equivalent: use the object's name, or a view.
CREATE OR REPLACE EDITIONABLE SYNONYM hd_tickets FOR tickets

-- synonym helpdesk_agents (source line 91)
-- Synonyms have no CockroachDB equivalent: use the object's name, or a view.
CREATE PUBLIC SYNONYM helpdesk_agents FOR agents

-- type address_t (source line 93)
-- Only enum and composite types are converted: port this type by hand.
CREATE OR REPLACE TYPE address_t AS OBJECT (
  street VARCHAR2(100),
  city   VARCHAR2(50)
);
