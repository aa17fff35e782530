"""NET001's name matching: what counts as a misspelling of a Service or compose service name."""
from checks.service_names import near_miss


def test_one_letter_and_suffix_differences_are_near_misses():
    assert near_miss("order-servce", "order-service")
    assert near_miss("orders-svc", "orders")
    assert near_miss("auth-service", "auth")
    assert near_miss("paymnt", "payment")


def test_short_names_and_distant_names_are_not():
    assert not near_miss("api", "app")  # distance 1 on a three-letter name: too many real names collide
    assert not near_miss("redis", "redis")
    assert not near_miss("cart", "catalogue")
    assert not near_miss("users", "orders")
