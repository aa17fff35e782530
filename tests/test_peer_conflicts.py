"""lockfiles.peer_conflicts: invalid peer edges of a v2/v3 package-lock.json, resolved the way Node resolves."""
from __future__ import annotations

from tiketi_doctor.analysis.lockfiles import peer_conflicts


def _lock(packages: dict, version: int = 3) -> dict:
    return {"lockfileVersion": version, "packages": {"": {"name": "app"}, **packages}}


def test_a_peer_range_that_excludes_the_installed_version_conflicts():
    lock = _lock({
        "node_modules/react": {"version": "18.2.0"},
        "node_modules/old": {"version": "1.0.0", "peerDependencies": {"react": "^16.8.0 || ^17.0.0"}},
        "node_modules/fine": {"version": "1.0.0", "peerDependencies": {"react": ">=16"}},
        "node_modules/a/node_modules/b": {"version": "2.0.0", "peerDependencies": {"react": "^15"}},
    })
    found = {(c.package, c.installed, c.installed_at) for c in peer_conflicts(lock)}
    assert found == {("old", "18.2.0", "node_modules/react"), ("b", "18.2.0", "node_modules/react")}


def test_nested_peers_optional_peers_missing_peers_and_v1_lockfiles_do_not():
    packages = {
        "node_modules/react": {"version": "18.2.0"},
        "node_modules/a": {"version": "1.0.0"},
        "node_modules/a/node_modules/react": {"version": "16.14.0"},
        "node_modules/a/node_modules/b": {"version": "1.0.0", "peerDependencies": {"react": "^16"}},
        "node_modules/opt": {"version": "1.0.0", "peerDependencies": {"react": "^15"}, "peerDependenciesMeta": {"react": {"optional": True}}},
        "node_modules/vue-lib": {"version": "1.0.0", "peerDependencies": {"vue": "^2"}},
        "node_modules/pre": {"version": "1.0.0", "peerDependencies": {"next": "^13"}},
        "node_modules/next": {"version": "14.0.0-canary.1"},
    }
    assert peer_conflicts(_lock(packages)) == []
    assert peer_conflicts({"lockfileVersion": 1, "dependencies": {}}) == []
