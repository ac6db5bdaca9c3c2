"""Time-ordered ids: version 7, RFC variant, and later ids sort after earlier ones."""

import time
from uuid import RFC_4122

from events.ids import uuid7


def test_ids_are_version_7_with_the_rfc_variant_and_unique():
    ids = [uuid7() for _ in range(1000)]
    assert {i.version for i in ids} == {7} and {i.variant for i in ids} == {RFC_4122}
    assert len(set(ids)) == 1000


def test_an_id_made_a_millisecond_later_sorts_after():
    first = uuid7()
    time.sleep(0.002)
    assert uuid7() > first


def test_the_leading_bits_are_the_unix_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    stamp = uuid7().int >> 80
    assert before <= stamp <= time.time_ns() // 1_000_000
