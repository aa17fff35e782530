"""Discovery on broken manifests: an object nothing can be named after is left out, and the
discovered catalogue stays valid (a fuzz seed turned `metadata:` into `meadata:`)."""
from __future__ import annotations

import shutil

from tiketi_doctor.catalogue_choice import find_catalogue

from .conftest import CASES


def test_a_service_without_a_name_is_not_a_component_s_service(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(CASES / "_base", repo)
    (repo / "tiketi-doctor.yaml").unlink()
    with (repo / "k8s" / "api.yaml").open("a") as manifest:
        manifest.write("---\napiVersion: v1\nkind: Service\nmeadata:\n  name: api-extra\nspec:\n  selector: {app: api}\n"
                       "  ports: [{port: 80, targetPort: 3005}]\n")
    catalogue = find_catalogue(repo)  # raised CatalogueError: k8s_service '' is not a valid name
    assert catalogue.origin == "discovered"
    assert {c.name: c.k8s_service for c in catalogue.components}["api"] == "api"
