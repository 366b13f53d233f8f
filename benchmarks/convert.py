"""DDL conversion speed: roachlift's converter against a bare ``sqlglot.transpile`` of the same script.

Builds a MySQL schema of ``--tables`` tables (each with an AUTO_INCREMENT key, UNSIGNED columns, an
ENUM, ON UPDATE CURRENT_TIMESTAMP, two secondary keys and a foreign key to the previous table), then
times ``convert_ddl`` (split, parse, rules, checks, phases, report) and ``sqlglot.transpile`` (parse
and generate only, no rules, output not loadable). Prints statements/s of each; the last line is
``ratio=<roachlift seconds ÷ transpile seconds>`` (the price of the rules and checks).

    .venv/bin/python benchmarks/convert.py --tables 2000
"""

from __future__ import annotations

import argparse
import time

import sqlglot

from roachlift.convert import convert_ddl


def schema(n: int) -> str:
    """A MySQL DDL script of ``n`` related tables."""
    parts = []
    for i in range(n):
        fk = f",\n  CONSTRAINT fk_t{i}_prev FOREIGN KEY (prev_id) REFERENCES t{i - 1} (id)" if i else ""
        parts.append(
            f"CREATE TABLE t{i} (\n"
            "  id INT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
            "  prev_id INT UNSIGNED,\n"
            "  name VARCHAR(80) NOT NULL,\n"
            "  kind ENUM('a','b','c') DEFAULT 'a',\n"
            "  amount DECIMAL(10,2) UNSIGNED NOT NULL DEFAULT 0,\n"
            "  body MEDIUMTEXT,\n"
            "  updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n"
            "  PRIMARY KEY (id),\n"
            f"  KEY ix_t{i}_name (name),\n"
            f"  KEY ix_t{i}_prev (prev_id){fk}\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
        )
    return "\n".join(parts)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    args = parser.parse_args()
    text = schema(args.tables)
    t0 = time.perf_counter()
    result = convert_ddl(text, "mysql")
    ours = time.perf_counter() - t0
    assert not result.errors, result.errors[:3]
    t0 = time.perf_counter()
    out = sqlglot.transpile(text, read="mysql", write="postgres")
    bare = time.perf_counter() - t0
    n = args.tables
    print(f"tables={n} roachlift_s={ours:.2f} roachlift_stmt_per_s={n / ours:.0f}")
    print(f"tables={n} transpile_s={bare:.2f} transpile_stmt_per_s={n / bare:.0f} statements={len(out)}")
    print(
        f"phases: {len(result.phases['02_tables'])} tables, {len(result.phases['03_indexes'])} indexes, "
        f"{len(result.phases['04_foreign_keys'])} foreign keys, {len(result.review)} review items"
    )
    print(f"ratio={ours / bare:.2f}")


if __name__ == "__main__":
    main()
