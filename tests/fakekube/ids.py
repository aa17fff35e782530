"""Deterministic names, uids, IPs and digests that look like a kind cluster's."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random

# The alphabet Kubernetes uses for generated name suffixes and template hashes
# (k8s.io/apimachinery/pkg/util/rand): no vowels, no look-alike characters.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

POD_CIDR = ipaddress.ip_network("10.244.0.0/16")
SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/16")


def safe_encode(text: str) -> str:
    return "".join(SAFE_ALPHABET[ord(ch) % len(SAFE_ALPHABET)] for ch in text)


def template_hash(template: dict) -> str:
    """The pod-template-hash label: FNV-32a of the template, safe-encoded like
    the deployment controller does (so values look like '7d9f8b6c5')."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(value))


class Ids:
    """One seeded random source, so two runs of a scenario give identical objects."""

    def __init__(self, seed: int = 0):
        self._rng = random.Random(seed)
        self._next_pod_ip = int(POD_CIDR.network_address) + 5  # kind hands out .2-.4 to system pods
        self._used_ips: set[str] = set()
        self._service_ips: set[str] = set()

    def uid(self) -> str:
        """A version-4 UUID string (formatted by hand: uuid.UUID is slow in bulk)."""
        h = f"{self._rng.getrandbits(128):032x}"
        variant = "89ab"[int(h[16], 16) & 3]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"

    def hex(self, length: int) -> str:
        return f"{self._rng.getrandbits(4 * length):0{length}x}"

    def suffix(self, length: int = 5) -> str:
        bits = self._rng.getrandbits(8 * length)
        return "".join(SAFE_ALPHABET[(bits >> (8 * i)) % len(SAFE_ALPHABET)] for i in range(length))

    def reserve_ip(self, ip: str) -> str:
        self._used_ips.add(ip)
        return ip

    def pod_ip(self) -> str:
        while True:
            n = self._next_pod_ip
            ip = f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
            self._next_pod_ip += 1
            if not ip.endswith((".0", ".255")) and ip not in self._used_ips:
                return self.reserve_ip(ip)

    def reserve_cluster_ip(self, ip: str) -> str:
        self._service_ips.add(ip)
        return ip

    def cluster_ip(self) -> str:
        while True:
            ip = str(ipaddress.ip_address(int(SERVICE_CIDR.network_address) + self._rng.randrange(11, 65000)))
            if ip not in self._service_ips:
                self._service_ips.add(ip)
                return ip

    def digest(self, *parts: str) -> str:
        material = "|".join(parts) + "|" + self.hex(16)
        return "sha256:" + hashlib.sha256(material.encode()).hexdigest()
