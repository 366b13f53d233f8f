"""The CSV convention shared by dump, load, CDC value conversion and verify.

One convention, so the four can never disagree. It is PostgreSQL's ``COPY ... (FORMAT csv)``
convention, which both PostgreSQL's ``COPY FROM`` and CockroachDB's ``IMPORT INTO ... CSV DATA``
read back exactly:

- fields separated by ``,``; quote character ``"``, doubled inside a quoted field; rows end with ``\\n``;
  no header line;
- NULL is an *unquoted* empty field; the empty string is a quoted empty field ``""``
  (CockroachDB: ``nullif = ''``, and quoted values are never NULL unless ``allow_quoted_null``);
- fields holding the delimiter, a quote, a newline or carriage return, or a leading/trailing
  space are quoted;
- binary values are ``\\x`` followed by lower-case hex (PostgreSQL ``bytea_output = hex``; CockroachDB
  reads BYTES written this way);
- booleans ``t`` / ``f``; timestamps ISO 8601 with a space separator, fractional seconds as needed;
  ``timestamptz`` always with an explicit UTC offset (dumps run with ``TimeZone = UTC``);
- JSON as its text; arrays in PostgreSQL array-literal form ``{a,b}``; floats ``NaN``,
  ``Infinity``, ``-Infinity``.
"""

from __future__ import annotations

DELIMITER = ","
QUOTE = '"'
NULL = ""
ROW_TERMINATOR = "\n"
ENCODING = "utf-8"
