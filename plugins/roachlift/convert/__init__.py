"""Convert source DDL to CockroachDB DDL in load phases, with a review report."""
