"""Talking to the running cluster: access (kubeconfig → session), a read-only snapshot, Node.js
log signatures, HTTP probes, the live check context, and the mutating operations a heal uses.

Every module here imports the `kubernetes` client lazily, inside the functions that talk to a
cluster: a static `check` never pays for it.
"""
