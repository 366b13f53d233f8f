CREATE TYPE parent_kind AS ENUM ('a', 'b');

CREATE SEQUENCE parent_id_seq;

CREATE SEQUENCE child_id_seq;

