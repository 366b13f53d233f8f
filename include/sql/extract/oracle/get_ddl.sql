-- The DDL of one object after the session transforms.
SELECT DBMS_METADATA.GET_DDL(:object_type, :name, :owner) FROM DUAL
