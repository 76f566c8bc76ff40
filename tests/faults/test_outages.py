"""What counts as a dependency being down (outages.py), told with real errors from real drivers, and how the
embedded server answers one: a SQLite file locked past the timeout is a 503 with Retry-After, not a 500."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.outages import DATABASE, STORAGE, unavailable
from tests.jobs.helpers import V1
from tests.servers import api_server, free_port


def locked_error(tmp_path: Path) -> sqlite3.OperationalError:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError) as caught:
            other.execute("INSERT INTO t VALUES (1)")
        other.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    return caught.value


def test_database_errors_that_are_outages(tmp_path: Path) -> None:
    assert unavailable(locked_error(tmp_path)) == DATABASE
    with pytest.raises(sqlite3.OperationalError) as missing:
        sqlite3.connect(":memory:").execute("SELECT * FROM nowhere")
    assert unavailable(missing.value) is None  # a bug or a broken schema, not an outage
    psycopg = pytest.importorskip("psycopg")
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{free_port()}/x", connect_timeout=2)
    assert unavailable(refused.value) == DATABASE
    try:  # what procrastinate does: its own exception, raised from the driver's
        raise RuntimeError("connector failed") from refused.value
    except RuntimeError as wrapped:
        assert unavailable(wrapped) == DATABASE
    assert unavailable(ValueError("bad input")) is None


def test_storage_errors_that_are_outages() -> None:
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config
    from botocore.exceptions import ClientError

    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{free_port()}",  # nothing listens: connection refused
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=2),
    )
    with pytest.raises(Exception) as refused:
        client.put_object(Bucket="b", Key="k", Body=b"x")
    assert unavailable(refused.value) == STORAGE
    assert unavailable(ClientError({"Error": {"Code": "SlowDown"}}, "PutObject")) == STORAGE


@given(status=st.integers(400, 599), code=st.sampled_from(["AccessDenied", "NoSuchBucket", "InternalError", "X"]))
def test_an_s3_answer_is_an_outage_when_the_service_failed_not_the_request(status: int, code: str) -> None:
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")
    expected = STORAGE if status >= 500 or code == "InternalError" else None
    assert unavailable(error) == expected


@pytest.fixture
def quick(tmp_path: Path) -> Iterator[tuple[httpx.Client, Settings]]:
    settings = Settings(
        data_dir=tmp_path / "data", allow_private_urls=True, dependency_timeout=0.5, in_process_workers=False
    )
    with api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        yield client, settings


def test_a_locked_sqlite_database_is_a_503_with_retry_after(quick: tuple[httpx.Client, Settings]) -> None:
    client, settings = quick
    assert client.get("/readyz").json() == {
        "status": "ready",
        "checks": {"database": "ok", "storage": "ok"},
        "version": client.get("/healthz").json()["version"],
    }
    holder = sqlite3.connect(settings.db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock past the timeout
    try:
        messages = {"zh": "数据库暂时不可用,请稍后重试", "en": "The database is unavailable for now, retry later"}
        for lang, message in messages.items():
            body = {"width": 320, "height": 240}
            busy = client.post(f"{V1}/create_draft", json=body, headers={"Accept-Language": lang})
            assert busy.status_code == 503 and busy.headers["retry-after"] == "5", busy.text
            assert busy.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
            assert busy.json()["error"]["message"] == message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post(f"{V1}/create_draft", json={"width": 320, "height": 240}).status_code == 200


def test_readyz_needs_no_api_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", api_keys=["secret-key"], in_process_workers=False)
    with api_server(settings) as base_url:
        assert httpx.get(f"{base_url}/readyz").status_code == 200
        assert httpx.post(f"{base_url}{V1}/create_draft", json={}).status_code == 401
