"""One predicate decides which files are Dockerfiles."""
import pytest

from tiketi_doctor.parsing.dockerfile_name import is_dockerfile


@pytest.mark.parametrize("path", [
    "Dockerfile", "api/Dockerfile.dev", "Dockerfile-prod", "svc/DockerFile", "api.Dockerfile", "web.dockerfile",
    "dockerfile", "Dockerfile.prod.arm64",
])
def test_dockerfile_names(path):
    assert is_dockerfile(path)


@pytest.mark.parametrize("path", [
    "Dockerfile.md", "Dockerfile.dockerignore", "api.Dockerfile.dockerignore", "Dockerfile.template", "docs/Dockerfiles.txt",
    "Dockerfiles", "dockerfile_test.py", "README.md", "Dockerfile.bak",
])
def test_not_dockerfiles(path):
    assert not is_dockerfile(path)
