-- disabled constraint invoices.invoices_old_ck (source line 37)
-- DISABLEd in Oracle, so the rows may not obey it: add it by hand after checking
ALTER TABLE invoices ADD CONSTRAINT "INVOICES_OLD_CK" CHECK ("DUE_AT" IS NOT NULL) DISABLE

-- disabled constraint payments.payments_account_fk (source line 91)
-- DISABLEd in Oracle, so the rows may not obey it: add it by hand after checking
CONSTRAINT "PAYMENTS_ACCOUNT_FK" FOREIGN KEY ("ACCOUNT_REF")
	  REFERENCES "BILLING"."ACCOUNTS" ("ACCOUNT_ID") DISABLE NOVALIDATE

-- synonym inv (source line 110)
-- Synonyms have no CockroachDB equivalent: use the object's name, or a view.
CREATE OR REPLACE EDITIONABLE SYNONYM "BILLING"."INV" FOR "BILLING"."INVOICES"

-- type money_t (source line 112)
-- Only enum and composite types are converted: port this type by hand.
CREATE OR REPLACE EDITIONABLE TYPE "BILLING"."MONEY_T" AS OBJECT (
  amount NUMBER(15,2),
  currency CHAR(3)
);
