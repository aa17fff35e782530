"""tiketi-doctor: diagnose and heal the TIKETI microservices on a kind cluster."""

__version__ = "0.1.0"
