-- trigger orders_bi (source line 110)
-- Triggers are not converted: port the logic to the application, a computed column, an ON UPDATE expression or a CockroachDB trigger (PL/pgSQL).
CREATE OR REPLACE EDITIONABLE TRIGGER "SHOP"."ORDERS_BI"
  BEFORE INSERT ON "SHOP"."ORDERS"
  FOR EACH ROW
BEGIN
  IF :NEW.ORDER_ID IS NULL THEN
    :NEW.ORDER_ID := ORDERS_SEQ.NEXTVAL;
  END IF;
END;

-- trigger orders_bi (source line 119)
-- Trigger state change; see the trigger.
ALTER TRIGGER "SHOP"."ORDERS_BI" ENABLE
