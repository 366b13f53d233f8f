CREATE INDEX pet_name_idx ON pet (LOWER(CAST((name) AS TEXT))) WHERE (name IS NOT NULL);

CREATE UNIQUE INDEX person_ref_idx ON person (ref);

CREATE INDEX person_attrs_idx ON person USING GIN (attrs);

CREATE INDEX pet_name_pat ON pet (name);

CREATE INDEX pet_owner_inc ON pet (owner_id) INCLUDE (name);

CREATE INDEX person_name_desc ON person (name DESC);

