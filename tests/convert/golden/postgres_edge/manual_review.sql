-- inherited table pet_archive (source line 25)
-- Table inheritance / partitions are not supported by CockroachDB: merge the rows into the parent table or create this table with all its columns.
CREATE TABLE public.pet_archive (archived_at timestamptz) INHERITS (public.pet)

-- index pet_archive_idx (source line 28)
-- table pet_archive is not converted
CREATE INDEX pet_archive_idx ON public.pet_archive USING btree (archived_at)
