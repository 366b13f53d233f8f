"""The one naming rule (roachlift.naming): mapping, source-side folding and the checks convert runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from roachlift.config.spec import parse_spec
from roachlift.naming import Naming, SourceObject, check_names


def test_lower_and_preserve_map_exact_source_names() -> None:
    lower, keep = Naming("lower"), Naming("preserve")
    for source, low in [
        ("AlbumId", "albumid"),
        ("CLIENT_ID", "client_id"),
        ("Straße", "straße"),
        ("订单", "订单"),
    ]:
        assert lower.name(source) == low and keep.name(source) == source
    assert lower.sql("InvoiceLine") == "invoiceline" and keep.sql("InvoiceLine") == '"InvoiceLine"'
    assert lower.sql("Order") == '"order"' and lower.sql("Straße") == '"straße"'
    assert Naming("lower", "app").table("sakila.Album") == "app.album"
    assert Naming("preserve").label("CORE.CLIENTS") == "CORE.CLIENTS → public.CLIENTS"
    with pytest.raises(ValueError, match="not one of lower, preserve"):
        Naming("upper")


def test_source_names_fold_as_each_source_catalog_does() -> None:
    assert Naming(source_kind="postgres").source_name("Album", quoted=False) == "album"
    assert Naming(source_kind="postgres").source_name("Album", quoted=True) == "Album"
    assert Naming(source_kind="oracle").source_name("clients", quoted=False) == "CLIENTS"
    assert Naming(source_kind="oracle").source_name("Clients", quoted=True) == "Clients"
    assert Naming(source_kind="mysql").source_name("Album", quoted=False) == "Album"
    # PostgreSQL folds ASCII letters only: Ä stays
    assert Naming(source_kind="postgres").source_name("ÄBC", quoted=False) == "Äbc"


def test_checks_name_both_sources_of_a_collision_and_every_bad_name() -> None:
    objects = [
        SourceObject("table", "", "Order", "shop.Order"),
        SourceObject("table", "", "ORDER", "shop.ORDER"),
        SourceObject("column", "x", "Id"),
        SourceObject("column", "x", "ID"),
        SourceObject("column", "x", "n" * 64),
        SourceObject("column", "x", "ü" * 32),  # 64 bytes in UTF-8
        SourceObject("table", "", "a.b"),
        SourceObject("column", "x", "bad\x00"),
        SourceObject("view", "", "order"),  # same namespace as tables, exact name differs too
    ]
    problems = check_names(Naming("lower"), objects)
    by_code: dict[str, list[str]] = {}
    for p in problems:
        by_code.setdefault(p.code, []).append(p.message)
    collisions = by_code["name_collision"]
    assert "table shop.Order and table shop.ORDER both become 'order'" in collisions[0]
    assert "naming: preserve" in collisions[0]
    assert "column x.Id and column x.ID both become 'id'" in collisions[1]
    assert "table shop.Order and view order" in collisions[2]
    assert len(by_code["identifier_too_long"]) == 2
    assert len(by_code["invalid_identifier"]) == 2 and "dot" in by_code["invalid_identifier"][0]
    assert all(p.severity == "error" for p in problems if p.code != "reserved_word")
    assert by_code["reserved_word"]  # quoted and reported, not an error
    preserved = check_names(Naming("preserve"), objects[:4])
    assert [p.code for p in preserved] == []


def test_spec_naming_key() -> None:
    base = {
        "name": "x",
        "source": {"kind": "mysql", "conn_id": "s"},
        "target": {"conn_id": "t", "database": "d"},
    }
    assert parse_spec(base).naming == "lower"
    assert Naming.from_spec(parse_spec({**base, "naming": "preserve"})).rule == "preserve"
    with pytest.raises(Exception, match="naming: 'upper' is not one of lower, preserve"):
        parse_spec({**base, "naming": "upper"})


def test_convert_cli_takes_the_naming_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from roachlift.cli import main

    ddl = tmp_path / "in.sql"
    ddl.write_text(
        "CREATE TABLE `Album` (`AlbumId` INT PRIMARY KEY, `Title` TEXT);\n"
        "CREATE TABLE `ALBUM` (`Id` INT PRIMARY KEY);\n",
        encoding="utf-8",
    )
    assert (
        main(["convert", "--from", "mysql", str(ddl), "--out", str(tmp_path / "p"), "--naming", "preserve"])
        == 0
    )
    tables = (tmp_path / "p" / "02_tables.sql").read_text(encoding="utf-8")
    assert 'CREATE TABLE "Album" (\n  "AlbumId" INT4 NOT NULL' in tables and 'CREATE TABLE "ALBUM"' in tables
    assert main(["convert", "--from", "mysql", str(ddl), "--out", str(tmp_path / "l")]) == 1
    err = capsys.readouterr().err
    assert "table Album and table ALBUM both become 'album' under naming: lower" in err
