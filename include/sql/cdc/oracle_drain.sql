-- Oracle: the oldest staged changes (committed ones only are visible), in sequence order.
SELECT "SEQ", "TXN", "OP", "TABLE_OWNER", "TABLE_NAME", "CHANGED_AT", "OLD_KEY", "NEW_ROW"
FROM {owner}."ROACHLIFT_CDC_STAGING"
ORDER BY "SEQ"
FETCH FIRST :n ROWS ONLY
