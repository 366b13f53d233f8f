"""convert takes the spec's enums (or their values) and hands back plain strings."""

from __future__ import annotations

import json

import pytest

from roachlift.config.spec import SourceKind, TargetDialect
from roachlift.convert import convert_ddl
from roachlift.errors import RoachliftError

DDL = "CREATE TABLE t (id INT UNSIGNED PRIMARY KEY, flag TINYINT(1));\n"


def test_enum_and_string_arguments_give_the_same_result() -> None:
    by_enum = convert_ddl(DDL, SourceKind.MYSQL, TargetDialect.POSTGRES)
    by_text = convert_ddl(DDL, "mysql", "postgres")
    assert by_enum.phases == by_text.phases
    assert (by_enum.source, by_enum.target) == ("mysql", "postgres")
    assert type(by_enum.source) is str and type(by_enum.report.target) is str
    assert json.loads(by_enum.report.to_json())["source"] == "mysql"


@pytest.mark.parametrize(("source", "target"), [("sybase", "cockroachdb"), ("mysql", "yugabyte")])
def test_unknown_source_or_target_is_a_clear_error(source: str, target: str) -> None:
    with pytest.raises(RoachliftError, match="use one of"):
        convert_ddl(DDL, source, target)
