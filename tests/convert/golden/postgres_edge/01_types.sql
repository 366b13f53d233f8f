CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE SEQUENCE person_id_seq;

CREATE SEQUENCE pet_id_seq;

