from newstag.cache import LatestCache

from .conftest import keys_oldest_first


def test_the_cache_forgets_the_least_recently_used():
    cache = LatestCache(2)
    cache.put_many({("v1", "a"): 1, ("v1", "b"): 2})
    assert cache.get_many([("v1", "a")]) == {("v1", "a"): 1}  # "a" is now the most recent
    cache.put_many({("v1", "c"): 3})
    assert cache.get_many([("v1", "a"), ("v1", "b"), ("v1", "c")]) == {("v1", "a"): 1, ("v1", "c"): 3}
    assert cache.get_many([("v2", "a")]) == {} and len(cache) == 2
    assert keys_oldest_first(cache) == [("v1", "a"), ("v1", "c")]
