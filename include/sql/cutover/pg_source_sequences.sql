-- One source sequence's last handed-out value (NULL before the first nextval), start and increment.
-- Parameter: %(sequence)s (a name as written in a column default, resolved on the search path)
SELECT s.last_value, s.start_value, s.increment_by
  FROM pg_sequences s
 WHERE to_regclass(quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename)) = to_regclass(%(sequence)s)
