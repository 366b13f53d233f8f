-- Oracle: the last sequence number of transactions that have rows in (:lo, :hi] and also rows after
-- :hi; NULL when every transaction of the range is complete within it. Run in a READ ONLY
-- transaction together with the drain queries, so all see the same committed rows.
SELECT MAX(s."SEQ")
FROM {owner}."ROACHLIFT_CDC_STAGING" s
WHERE s."SEQ" > :hi
  AND s."TXN" IN (SELECT t."TXN" FROM {owner}."ROACHLIFT_CDC_STAGING" t WHERE t."SEQ" > :lo AND t."SEQ" <= :hi)
