"""The engine's JSON reader: the empty lists most JSON columns hold skip the parser."""

from mtb.db import read_json


def test_empty_lists_are_fresh_and_other_values_parsed():
    first, second = read_json("[]"), read_json(b"[]")
    first.append("MLH1")
    assert second == [] and read_json("[]") == []
    assert read_json('["MLH1", "PMS2"]') == ["MLH1", "PMS2"]
    assert read_json(b'{"a": 1}') == {"a": 1}
    assert read_json("null") is None
