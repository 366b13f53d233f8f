-- Oracle: one row trigger per captured table. {owner}, {table}, {trigger} are quoted identifiers,
-- {owner_lit}/{table_lit} string literals, {old_key}/{new_row} JSON_OBJECT argument lists.
-- PL/SQL values (v_op, v_txn) are computed first: BOOLEAN predicates and BOOLEAN arguments
-- (INSERTING, LOCAL_TRANSACTION_ID(TRUE)) cannot appear inside the SQL INSERT.
CREATE OR REPLACE TRIGGER {owner}.{trigger}
AFTER INSERT OR UPDATE OR DELETE ON {owner}.{table}
FOR EACH ROW
DECLARE
    v_op  CHAR(1);
    v_txn VARCHAR2(64);
BEGIN
    IF INSERTING THEN v_op := 'I'; ELSIF UPDATING THEN v_op := 'U'; ELSE v_op := 'D'; END IF;
    v_txn := DBMS_TRANSACTION.LOCAL_TRANSACTION_ID(TRUE);
    INSERT INTO {owner}."ROACHLIFT_CDC_STAGING" ("SEQ", "TXN", "OP", "TABLE_OWNER", "TABLE_NAME", "OLD_KEY", "NEW_ROW")
    VALUES (
        {owner}."ROACHLIFT_CDC_SEQ".NEXTVAL,
        v_txn,
        v_op,
        {owner_lit},
        {table_lit},
        CASE WHEN v_op <> 'I' THEN JSON_OBJECT({old_key} NULL ON NULL RETURNING CLOB) END,
        CASE WHEN v_op <> 'D' THEN JSON_OBJECT({new_row} NULL ON NULL RETURNING CLOB) END
    );
END;
