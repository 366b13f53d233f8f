CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE SEQUENCE "Person_id_seq";

CREATE SEQUENCE pet_id_seq;

