-- Oracle: a schema trigger that records TRUNCATE ('T') and other DDL ('S') on captured tables, in an
-- autonomous transaction (DDL commits on its own). {owner} quoted identifier, {owner_lit} literal,
-- {tables_lit} a comma-separated list of table-name literals. Each DDL row is its own transaction.
CREATE OR REPLACE TRIGGER {owner}."RL$CDC_DDL"
AFTER TRUNCATE OR ALTER OR DROP OR RENAME ON {owner}.SCHEMA
DECLARE
    PRAGMA AUTONOMOUS_TRANSACTION;
    v_event VARCHAR2(30)  := ora_sysevent;
    v_name  VARCHAR2(128) := ora_dict_obj_name;
    v_op    CHAR(1);
    v_seq   NUMBER;
BEGIN
    IF ora_dict_obj_type = 'TABLE' AND v_name IN ({tables_lit}) THEN
        IF v_event = 'TRUNCATE' THEN v_op := 'T'; ELSE v_op := 'S'; END IF;
        v_seq := {owner}."ROACHLIFT_CDC_SEQ".NEXTVAL;
        INSERT INTO {owner}."ROACHLIFT_CDC_STAGING" ("SEQ", "TXN", "OP", "TABLE_OWNER", "TABLE_NAME", "NEW_ROW")
        VALUES (v_seq, 'ddl-' || TO_CHAR(v_seq), v_op, {owner_lit}, v_name, v_event);
        COMMIT;
    END IF;
END;
