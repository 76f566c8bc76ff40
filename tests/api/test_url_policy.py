"""The URL policy: non-public addresses in every IPv6 disguise, and media fetches pinned at connect."""

from __future__ import annotations

import ipaddress
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from capcut_mate.media.urlpolicy import is_public
from tests.api.helpers import V1, create_draft
from tests.servers import media_server

PRIVATE_V4 = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0"]


def disguises(v4: ipaddress.IPv4Address) -> list[ipaddress.IPv6Address]:
    """The IPv6 forms that carry an IPv4 address: compatible, mapped, NAT64 (both prefixes), 6to4, Teredo."""
    n = int(v4)
    return [
        ipaddress.IPv6Address(n),  # ::a.b.c.d
        ipaddress.IPv6Address((0xFFFF << 32) | n),  # ::ffff:a.b.c.d
        ipaddress.IPv6Address((0x0064FF9B << 96) | n),  # 64:ff9b::/96
        ipaddress.IPv6Address((0x0064FF9B0001 << 80) | n),  # 64:ff9b:1::/48 (local-use NAT64)
        ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1),  # 2002:aabb:ccdd::1
        ipaddress.IPv6Address((0x20010000 << 96) | (0xFFFFFFFF ^ n)),  # Teredo, client address inverted
    ]


@pytest.mark.parametrize("text", PRIVATE_V4)
def test_private_ipv4_is_refused_in_every_ipv6_form(text: str) -> None:
    v4 = ipaddress.IPv4Address(text)
    assert not is_public(v4)
    for v6 in disguises(v4):
        assert not is_public(v6), v6


@given(st.ip_addresses(v=4))
def test_an_embedded_ipv4_is_judged_like_the_ipv4_itself(v4: ipaddress.IPv4Address) -> None:
    expected = is_public(v4)
    for v6 in disguises(v4)[1:]:  # ::a.b.c.d also holds :: and ::1, which are never public
        assert is_public(v6) == expected, v6


@pytest.mark.parametrize("text", ["::1", "::", "fe80::1", "fc00::1", "ff02::1", "2001:db8::1", "224.0.0.1"])
def test_other_non_public_addresses(text: str) -> None:
    assert not is_public(ipaddress.ip_address(text))


@pytest.mark.parametrize("text", ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808"])
def test_public_addresses(text: str) -> None:
    assert is_public(ipaddress.ip_address(text))


def test_a_media_host_that_rebinds_to_loopback_is_not_fetched(
    tmp_path: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fetch used to resolve twice (check, then connect); a rebinding host passed the first."""
    real = socket.getaddrinfo
    answers = {"n": 0}

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "media.rebind.test":
            return real(host, port, *args, **kwargs)
        answers["n"] += 1
        address = "93.184.216.34" if answers["n"] == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    settings = Settings(data_dir=tmp_path / "data")  # operator defaults: private addresses refused
    client = TestClient(create_app(settings))
    with media_server(media_dir) as base:
        port = base.rsplit(":", 1)[1]
        url = f"http://media.rebind.test:{port}/tone.mp3"
        draft = create_draft(client)
        items = json.dumps([{"audio_url": url, "start": 0, "end": 1_000_000}])
        response = client.post(f"{V1}/add_audios", json={"draft_url": draft, "audio_infos": items})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "MEDIA_URL_FORBIDDEN" and "127.0.0.1" in error["details"]
    assert not any(settings.cache_dir.iterdir())
    client.close()
