"""kit.iterables.batched: the one way to walk a long list in bulk-write-sized pieces."""

import pytest

from kit.iterables import batched


def test_batches_keep_order_and_the_last_is_shorter():
    assert list(batched(range(7), 3)) == [(0, 1, 2), (3, 4, 5), (6,)]


def test_works_on_a_one_pass_iterator_and_an_empty_one():
    assert list(batched(iter("abcd"), 2)) == [("a", "b"), ("c", "d")]
    assert list(batched([], 5)) == []


def test_size_below_one_is_refused():
    with pytest.raises(ValueError):
        list(batched([1], 0))
