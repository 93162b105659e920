from newstag.cache import LatestCache


def test_the_cache_forgets_the_least_recently_used():
    cache = LatestCache(2)
    cache.put_many({("v1", "a"): 1, ("v1", "b"): 2})
    assert cache.get_many([("v1", "a")]) == {("v1", "a"): 1}  # "a" is now the most recent
    cache.put_many({("v1", "c"): 3})
    assert cache.get_many([("v1", "a"), ("v1", "b"), ("v1", "c")]) == {("v1", "a"): 1, ("v1", "c"): 3}
    assert cache.get_many([("v2", "a")]) == {} and len(cache) == 2
    assert cache.keys_oldest_first() == [("v1", "a"), ("v1", "c")]
