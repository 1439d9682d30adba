"""The speed-ups keep results identical: the compiled-schema cache and parallel checking."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import fastjsonschema
import pytest

from generator import compiled_schema
from generator.cli import main
from generator.load import load_file
from generator.schema_files import card_schema
from generator.validate import validate_paths

CARDS = Path(__file__).parent / "cards"
GOOD = CARDS / "valid" / "meta" / "llama-3.1-8b.yaml"


def _good_data() -> dict:
    return load_file(GOOD).data


def _rejection(validator, data) -> str:
    with pytest.raises(fastjsonschema.JsonSchemaException) as exc:
        validator(data)
    return exc.value.message


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv(compiled_schema.CACHE_ENV, str(where))
    return where


def test_cached_validator_behaves_like_a_fresh_one(cache, monkeypatch):
    schema = card_schema()
    first = compiled_schema.compile_validator(schema)
    assert len(list(cache.glob("schema-*.bin"))) == 1

    # The second compile must come from the file: generating code again is forbidden.
    monkeypatch.setattr(compiled_schema, "_generate", lambda s: pytest.fail("the cache was not used"))
    second = compiled_schema.compile_validator(schema)
    reference = fastjsonschema.compile(schema)

    good = _good_data()
    for validator in (first, second, reference):
        validator(_good_data())  # accepts a valid card (no exception)
    bad = dict(good, context_length="128k")
    assert _rejection(second, bad) == _rejection(reference, bad) == "data.context_length must be integer or null"


def test_corrupt_cache_file_is_ignored_and_replaced(cache):
    schema = card_schema()
    compiled_schema.compile_validator(schema)
    (path,) = cache.glob("schema-*.bin")
    blob = bytearray(path.read_bytes())
    blob[-10] ^= 0xFF  # one flipped byte in the marshalled code
    path.write_bytes(bytes(blob))
    validator = compiled_schema.compile_validator(schema)
    validator(_good_data())
    assert path.read_bytes() != bytes(blob)  # rewritten
    assert compiled_schema._read(path, compiled_schema.schema_key(schema)) is not None


def test_unwritable_cache_still_validates(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(compiled_schema.CACHE_ENV, str(blocker / "cache"))
    validator = compiled_schema.compile_validator(card_schema())
    validator(_good_data())
    assert blocker.read_text() == "not a directory"


def test_empty_variable_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv(compiled_schema.CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compiled_schema.cache_dir() is None
    compiled_schema.compile_validator(card_schema())(_good_data())
    assert list(tmp_path.iterdir()) == []


def test_another_schema_gets_another_entry(cache):
    schema = card_schema()
    compiled_schema.compile_validator(schema)
    changed = dict(schema, title=str(schema.get("title")) + " (changed)")
    compiled_schema.compile_validator(changed)
    assert len(list(cache.glob("schema-*.bin"))) == 2


def test_parallel_run_reports_exactly_what_a_serial_run_does():
    serial = validate_paths([CARDS / "invalid", CARDS / "valid"], jobs=1)
    parallel = validate_paths([CARDS / "invalid", CARDS / "valid"], jobs=3)
    assert (serial.mode, serial.workers) == ("serial", 1)
    assert (parallel.mode, parallel.workers) == ("parallel", 3)
    assert serial.errors and parallel.errors == serial.errors
    assert [c.id for c in parallel.cards] == [c.id for c in serial.cards]
    assert [c.data for c in parallel.cards] == [c.data for c in serial.cards]
    assert [c.positions for c in parallel.cards] == [c.positions for c in serial.cards]
    assert parallel.files == serial.files


def test_parallel_run_is_parallel_while_threads_run():
    """Other threads (a test server, a browser driver) once made this path fall back to serial."""
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()
    try:
        report = validate_paths([CARDS / "invalid"], jobs=2, keep_cards=False)
    finally:
        stop.set()
        helper.join()
    assert (report.mode, report.workers) == ("parallel", 2)
    assert report.errors == validate_paths([CARDS / "invalid"], jobs=1, keep_cards=False).errors


def test_workers_do_the_checking_in_other_processes(monkeypatch):
    """Break card checking in this process only: a parallel run must not notice (its workers are fresh processes)."""
    from generator import validate

    expected = validate_paths([CARDS / "invalid"], jobs=1, keep_cards=False).errors

    def broken(self, target):
        raise RuntimeError("checked in the parent process")

    monkeypatch.setattr(validate.CardValidator, "validate", broken)
    report = validate_paths([CARDS / "invalid"], jobs=2, keep_cards=False)
    assert report.errors == expected
    # The same patch does reach a serial run: every card becomes an internal error.
    serial = validate_paths([CARDS / "invalid"], jobs=1, keep_cards=False)
    assert serial.errors and all("internal error while checking this card" in e.message for e in serial.errors)


def test_duplicate_ids_are_found_across_workers(tmp_path):
    text = GOOD.read_text(encoding="utf-8")
    for org in ("a", "b", "c", "d"):
        p = tmp_path / org / f"x{org}.yaml"
        p.parent.mkdir()
        p.write_text(text.replace("id: meta/llama-3.1-8b", f"id: {org}/x{org}"), encoding="utf-8")
    # d/xd.yaml claims a's id, in the last of 4 workers (one file each).
    (tmp_path / "d" / "xd.yaml").write_text(text.replace("id: meta/llama-3.1-8b", "id: a/xa"), encoding="utf-8")
    report = validate_paths([tmp_path], jobs=4, keep_cards=False)
    assert (report.mode, report.workers) == ("parallel", 4)
    # The id line is line 2 ("id: a/xa", value at column 5); the location check also flags it.
    assert [e.format() for e in report.errors] == [
        f"{tmp_path}/d/xd.yaml:2:5: id: id 'a/xa' does not match the file's location: expected 'd/xd'",
        f"{tmp_path}/d/xd.yaml:2:5: id: id 'a/xa' is already used by {tmp_path}/a/xa.yaml",
    ]
    assert report.errors == validate_paths([tmp_path], jobs=1, keep_cards=False).errors
    assert report.cards == []


def test_cli_jobs_option(capsys):
    assert main(["validate", "--format", "json", "-j", "1", str(CARDS / "invalid")]) == 1
    one = json.loads(capsys.readouterr().out)
    assert main(["validate", "--format", "json", "-j", "4", str(CARDS / "invalid")]) == 1
    four = json.loads(capsys.readouterr().out)
    assert one == four and len(one) > 10
    with pytest.raises(SystemExit) as exc:
        main(["validate", "-j", "0", str(CARDS / "valid")])
    assert exc.value.code == 2
