"""Discovery: a workload that runs a variant of an application's image is that application, not a component."""
from __future__ import annotations

from tiketi_doctor.discovery import discover

from .test_discovery import _component, _deployment, _service, _write


def test_an_istio_variant_of_an_app_is_not_a_component_of_its_own(tmp_path):
    root = _write(tmp_path, {
        **_service("payment", 8080, "pay"),
        "k8s/payment.yaml": _deployment("payment", "acme/rs-payment:1.0", 8080),
        # Istio fault-injection variant: same app, another image tag line, no Service of its own
        "k8s/istio/payment-fix.yaml": _deployment("payment-fix", "acme/rs-payment-fix:1.0", 8080).split("---")[0],
        # an exporter whose image also extends the app's, but which is its own workload
        "k8s/exporter.yaml": _deployment("metrics", "acme/rs-payment-exporter:1.0", 9100),
        "k8s/db.yaml": _deployment("payment-db", "postgres:16", 5432),
    })
    found = discover(root)
    names = {c.name for c in found.components}
    assert "payment-fix" not in names
    assert {"payment", "metrics", "payment-db"} <= names
    payment = _component(found, "payment")
    assert payment.manifests.value == ["k8s/payment.yaml"]
    assert any("k8s/istio/payment-fix.yaml runs a variant" in d for d in payment.manifests.doubts)
