CREATE TYPE t1_f AS ENUM ('it''s', 'b');

CREATE SEQUENCE t1_id_seq;

