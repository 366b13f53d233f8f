-- Write privileges (INSERT, UPDATE, DELETE, TRUNCATE) on the given tables and all their partitions:
-- one row per table, grantee and privilege. Grantee 0 is PUBLIC; a table without an ACL has its
-- owner's default privileges (acldefault). Parameters: %(schemas)s, %(names)s (text arrays, in pairs)
WITH wanted AS (
    SELECT to_regclass(quote_ident(s) || '.' || quote_ident(n)) AS relid
      FROM unnest(%(schemas)s::text[], %(names)s::text[]) AS w(s, n)
), tree AS (
    SELECT relid FROM wanted WHERE relid IS NOT NULL
    UNION
    SELECT p.relid FROM wanted CROSS JOIN LATERAL pg_partition_tree(wanted.relid) AS p
     WHERE wanted.relid IS NOT NULL
)
SELECT n.nspname, c.relname, COALESCE(r.rolname, 'PUBLIC') AS grantee, a.privilege_type,
       a.is_grantable, COALESCE(r.rolsuper, false) AS superuser, c.oid
  FROM tree
  JOIN pg_class c ON c.oid = tree.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) AS a
  LEFT JOIN pg_roles r ON r.oid = a.grantee
 WHERE a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
 ORDER BY 1, 2, 3, 4
