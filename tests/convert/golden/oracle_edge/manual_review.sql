-- package pkg (source line 40)
-- PL/SQL packages have no CockroachDB equivalent: port each routine by hand.
CREATE OR REPLACE PACKAGE "APP"."PKG" AS
  PROCEDURE p;
END;

-- synonym transfers_syn (source line 44)
-- Synonyms have no CockroachDB equivalent: use the object's name, or a view.
CREATE OR REPLACE PUBLIC SYNONYM "TRANSFERS_SYN" FOR "APP"."TRANSFERS"
