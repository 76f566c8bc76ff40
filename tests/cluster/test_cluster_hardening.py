"""The hardening guarantees of issue 11 in cluster mode: a failed add_* leaves the draft's objects in the
bucket byte-identical, file routes refuse names no folder can hold, and callbacks wait in a PostgreSQL
outbox until some process (on any machine) delivers them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from capcut_mate.config import Settings
from capcut_mate.drafts.ids import new_draft_id
from capcut_mate.jobs.callbacks import SIGNATURE_HEADER, CallbackSender
from capcut_mate.storage import Storage
from tests.api.helpers import V1, create_draft, draft_id, post_error, post_ok
from tests.jobs.test_callbacks import PAYLOAD, callback_notes, receiver, wait_for
from tests.servers import in_process

pytest.importorskip("boto3", reason="cluster extra not installed (pip install -e '.[cluster]')")
pytest.importorskip("psycopg", reason="cluster extra not installed (pip install -e '.[cluster]')")

from capcut_mate.persistence.postgres import PgConnector
from capcut_mate.persistence.tasks import TaskStore


@pytest.fixture
def bucket_api(s3_env: dict[str, str], tmp_path: Path) -> Iterator[TestClient]:
    """The app in-process with draft folders in the bucket (nothing here renders)."""
    with in_process(Settings(data_dir=tmp_path / "data", allow_private_urls=True)) as client:
        yield client


def objects(client: TestClient, draft_url: str) -> dict[str, bytes]:
    """Every object of the draft folder in the bucket, hidden ones included, with its bytes."""
    storage: Storage = client.app.state.services.storage  # type: ignore[attr-defined]
    prefix = f"drafts/{draft_id(draft_url)}/"
    return {key[len(prefix) :]: storage.get_bytes(key) for key in storage.list(prefix)}


def test_a_failed_add_leaves_the_drafts_objects_byte_identical(
    bucket_api: TestClient, media_url: str, tmp_path: Path
) -> None:
    url = create_draft(bucket_api)
    image = [{"image_url": f"{media_url}/red.png", "start": 0, "end": 1_000_000}]
    post_ok(bucket_api, "add_images", {"draft_url": url, "image_infos": json.dumps(image)})
    before = objects(bucket_api, url)
    assert any(name.startswith("assets/images/") for name in before)
    assert not (tmp_path / "data" / "drafts" / draft_id(url)).exists()  # the folder is in the bucket only

    # The good video is uploaded inside the edit, then the audio URL given as a video fails the call.
    videos = [
        {"video_url": f"{media_url}/red.mp4", "start": 0, "end": 1_000_000},
        {"video_url": f"{media_url}/tone.mp3", "start": 1_000_000, "end": 2_000_000},
    ]
    details = post_error(
        bucket_api, "add_videos", {"draft_url": url, "video_infos": json.dumps(videos)}, 422, "UNSUPPORTED_MEDIA"
    )
    assert "tone.mp3" in details
    assert objects(bucket_api, url) == before
    listed = bucket_api.get(f"{V1}/get_draft", params={"draft_id": draft_id(url)}).json()["files"]
    assert not any("/assets/videos/" in file for file in listed)


@pytest.mark.parametrize(
    "path",
    [
        "/files/outputs/x%00",
        "/files/outputs/" + "a" * 300 + ".mp4",
        "/files/outputs/" + "é" * 200,
        "/files/drafts/{id}/draft_content.json%00.png",
        "/files/drafts/{id}/" + "b" * 300,
        "/files/drafts/{id}/assets/" + "c" * 256 + "/x.png",
        "/files/drafts/{id}/" + "/".join(["d" * 200] * 6),  # each name fits, the key would not
    ],
)
def test_bucket_file_routes_refuse_names_no_folder_can_hold(bucket_api: TestClient, path: str) -> None:
    url = create_draft(bucket_api)
    response = bucket_api.get(path.format(id=draft_id(url)), follow_redirects=False)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_callbacks_wait_in_the_postgresql_outbox_for_any_process(pg_url: str) -> None:
    """A delivery written down by a process that died before sending it stays in PostgreSQL; a sender on
    another connection pool (another machine) delivers it, retrying past a failing receiver, signed, and
    the task's history says so."""
    first_db, second_db = PgConnector(pg_url, max_size=2), PgConnector(pg_url, max_size=2)
    first_db.migrate()
    first, second = TaskStore(first_db), TaskStore(second_db)
    try:
        with receiver(healthy=False) as hook:
            task, _ = first.submit(new_draft_id(), "http://x/get_draft", hook.url, 100)
            first.outbox().add(task.task_id, hook.url, json.dumps(PAYLOAD))  # what send() writes first
            assert second.outbox().pending() == 1
            other = CallbackSender(second, allow_private=True, secret="whsec_test", base_s=0.05)
            try:
                assert wait_for(lambda: attempts(second_db) >= 2)  # refused (503), retried
                hook.healthy.set()
                assert hook.got.wait(60), "the outbox row was not delivered"
                assert wait_for(lambda: second.outbox().pending() == 0)
            finally:
                other.close()
        state = first.outbox().state(task.task_id)
        assert state is not None and state["state"] == "delivered" and state["attempts"] >= 2, state
        headers, body = hook.posts[0]
        assert json.loads(body) == PAYLOAD and SIGNATURE_HEADER.lower() in headers
        delivered = [f"callback delivered to {hook.url} (HTTP 200)"]
        assert wait_for(lambda: callback_notes(second, task.task_id) == delivered)  # type: ignore[arg-type]
    finally:
        first_db.close()
        second_db.close()


def attempts(db: PgConnector) -> int:
    with db.read() as conn:
        return int(conn.raw.execute("SELECT MAX(attempts) AS n FROM callback_outbox").fetchone()["n"] or 0)
