ALTER TABLE pet ADD CONSTRAINT pet_owner_fkey FOREIGN KEY (owner_id) REFERENCES person (id);

