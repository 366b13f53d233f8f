-- Oracle: the staging table the generated triggers write each row change into, and its ordering
-- sequence (ORDER: strictly increasing across RAC instances). {owner} is a quoted schema name.
CREATE TABLE {owner}."ROACHLIFT_CDC_STAGING" (
    "SEQ"          NUMBER(19)        NOT NULL PRIMARY KEY,
    "TXN"          VARCHAR2(64)      NOT NULL,
    "OP"           CHAR(1)           NOT NULL,
    "TABLE_OWNER"  VARCHAR2(128)     NOT NULL,
    "TABLE_NAME"   VARCHAR2(128)     NOT NULL,
    "CHANGED_AT"   TIMESTAMP(6) WITH TIME ZONE DEFAULT SYSTIMESTAMP NOT NULL,
    "OLD_KEY"      CLOB,
    "NEW_ROW"      CLOB
)
;
CREATE SEQUENCE {owner}."ROACHLIFT_CDC_SEQ" CACHE 1000 ORDER
