"""pytest fixtures for the fake API server. Import them into a conftest.py:

    from tests.fakekube.fixtures import fake_kube, fake_kubeconfig  # noqa: F401
"""

from __future__ import annotations

import pytest

from .kubeconfig import KIND_CONTEXT
from .server import FakeKube

# A production-looking context in every test kubeconfig, pointing at the same fake
# (with its own token), so a test can prove nothing was sent through it.
PROD_CONTEXT = "prod-eks"


@pytest.fixture
def fake_kube():
    """A running FakeKube seeded with the `broken` scenario; stopped afterwards.
    Time only moves on kube.tick() (or after kube.auto_tick(...))."""
    with FakeKube("broken") as kube:
        yield kube


@pytest.fixture
def fake_kubeconfig(fake_kube, tmp_path):
    """Path to a kubeconfig whose current context is kind-tiketi-local (namespace
    tiketi) and which also has a `prod-eks` context; both reach the fake."""
    return fake_kube.write_kubeconfig(tmp_path / "kubeconfig", context=KIND_CONTEXT, namespace="tiketi",
                                      extra_contexts={PROD_CONTEXT: None})
