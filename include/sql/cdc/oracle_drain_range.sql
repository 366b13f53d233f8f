-- Oracle: every staged row in a sequence range (committed rows only are visible), in order.
SELECT "SEQ", "TXN", "OP", "TABLE_OWNER", "TABLE_NAME", "CHANGED_AT", "OLD_KEY", "NEW_ROW"
FROM {owner}."ROACHLIFT_CDC_STAGING"
WHERE "SEQ" > :lo AND "SEQ" <= :hi
ORDER BY "SEQ"
