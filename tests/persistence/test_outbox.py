"""The callback outbox on every backend: a delivery is claimed by one sender at a time, held for its
attempt, retried, finished, and can be sent again; its state says what became of it."""

from __future__ import annotations

import threading

from capcut_mate.persistence.connector import Connector
from capcut_mate.persistence.outbox import DELIVERED, FAILED, Delivery, Outbox
from capcut_mate.persistence.tasks import TaskStore

DRAFT = "20250101000000" + "cd" * 8


def test_a_delivery_is_held_while_attempted_and_its_state_tells_what_became_of_it(db: Connector) -> None:
    outbox = TaskStore(db).outbox()
    assert outbox.state("t1") is None and outbox.claim(30, lambda attempt: 0.0) is None
    outbox.add("t1", "http://127.0.0.1:9/cb", '{"status": "completed"}')
    assert outbox.pending() == 1
    first = outbox.claim(30, lambda attempt: 10.0 * attempt)
    assert first is not None and (first.task_id, first.attempt, first.body) == ("t1", 1, '{"status": "completed"}')
    assert outbox.claim(30, lambda attempt: 0.0) is None  # held for its attempt: nobody sends it twice at once
    outbox.retry_at(first.id, 0.0, "connection refused")
    state = outbox.state("t1")
    assert state is not None and state["state"] == "pending" and state["attempts"] == 1
    assert state["last_error"] == "connection refused" and state["next_attempt_at"].startswith("1970-01-01T")
    second = outbox.claim(30, lambda attempt: 0.0)
    assert second is not None and second.id == first.id and second.attempt == 2
    outbox.finish(second.id, DELIVERED)
    done = outbox.state("t1")
    assert done is not None and done["state"] == DELIVERED and done["finished_at"] and done["next_attempt_at"] is None
    assert outbox.pending() == 0 and outbox.claim(30, lambda attempt: 0.0) is None


def test_redeliver_sends_the_latest_callback_again_with_a_fresh_age(db: Connector) -> None:
    outbox = Outbox(db)
    assert not outbox.redeliver("t1")
    outbox.add("t1", "http://127.0.0.1:9/cb", "{}")
    claimed = outbox.claim(30, lambda attempt: 0.0)
    assert claimed is not None
    outbox.finish(claimed.id, FAILED, "HTTP 500")
    failed = outbox.state("t1")
    assert failed is not None and failed["state"] == FAILED and failed["last_error"] == "HTTP 500"
    assert outbox.redeliver("t1")
    again = outbox.claim(30, lambda attempt: 0.0)
    assert again is not None and again.id == claimed.id and again.attempt == 1
    assert again.created_at >= claimed.created_at


def test_concurrent_senders_claim_each_delivery_once(db: Connector) -> None:
    outbox = Outbox(db)
    for n in range(30):
        outbox.add(f"t{n}", "http://127.0.0.1:9/cb", "{}")
    claimed: list[Delivery] = []
    lock = threading.Lock()

    def sender() -> None:
        while (delivery := outbox.claim(300, lambda attempt: 0.0)) is not None:
            with lock:
                claimed.append(delivery)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(d.task_id for d in claimed) == sorted(f"t{n}" for n in range(30))


def test_pruning_a_task_takes_its_finished_callbacks_along(db: Connector) -> None:
    store = TaskStore(db)
    task, _ = store.submit(DRAFT, "u", "http://127.0.0.1:9/cb", 10)
    store.claim("w", 30)
    store.complete(task.task_id, "w", f"{DRAFT}/a.mp4", {})
    outbox = store.outbox()
    outbox.add(task.task_id, "http://127.0.0.1:9/cb", "{}")
    delivery = outbox.claim(30, lambda attempt: 0.0)
    assert delivery is not None
    outbox.finish(delivery.id, DELIVERED)
    assert store.prune(retention_days=-1) == [f"{DRAFT}/a.mp4"]
    assert outbox.state(task.task_id) is None
