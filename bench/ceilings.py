"""The machine's own ceilings, measured in the same run and on the same broker,
database and web server as the platform: what one could get with nothing of
Luoshi in the way.

- broker: raw kombu publishes (persistent, with publisher confirms, as the
  outbox relays publish) and consume + ack of the same messages, one by one, on
  a quorum queue (the type of every queue the services read) and, for
  comparison, on a classic queue;
- database: raw batched inserts of the month's progress rows into a copy of the
  tasks service's `progress_reports` table (without its foreign keys), 1,000 rows
  a transaction, with the engine settings the services use;
- web: a trivial endpoint under uvicorn started as the gateway is, read by the
  same 50 concurrent readers as the dashboard.
"""
import datetime as dt
import json
import subprocess
import sys
import time

import httpx
from kombu import Connection, Consumer, Exchange, Producer, Queue
from sqlalchemy import Column, MetaData, Table

from services.common.sessions import make_engine
from services.tasks.models import progress_reports

from . import cpu
from .load import hammer
from .platform import free_port


def broker(amqp_uri, messages, sample, queue_type="quorum"):
    """Publish `messages` copies of `sample` (one update as JSON) through a queue
    of `queue_type` (quorum or classic), then consume and ack them. Answers
    {queue_type, publish_per_s, consume_per_s, messages, bytes}."""
    body = json.dumps(sample, ensure_ascii=False)
    exchange = Exchange("bench.ceiling", type="topic", durable=True)
    queue = Queue(f"bench.ceiling.{queue_type}", exchange=exchange, routing_key="#",
                  durable=True, queue_arguments={"x-queue-type": queue_type})
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        queue(connection.default_channel).declare()
        producer = Producer(connection, exchange=exchange, serializer="json")
        started = time.perf_counter()
        for _ in range(messages):
            producer.publish(body, routing_key="progress", delivery_mode=2)
        published = time.perf_counter() - started
    received = 0
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        channel.basic_qos(0, 100, False)  # nameko's default prefetch is its max_workers

        def on_message(_body, message):
            nonlocal received
            message.ack()
            received += 1

        processor = cpu.reading({}, outside=("broker",))
        started = time.perf_counter()
        with Consumer(channel, queues=[queue], callbacks=[on_message], accept=["json"]):
            while received < messages:
                connection.drain_events(timeout=30)
        consumed = time.perf_counter() - started
        used = cpu.spent(processor, cpu.reading({}, outside=("broker",)), messages)
        queue(channel).delete()
        exchange(channel).delete()
    return {"queue_type": queue_type, "messages": messages, "bytes": len(body.encode()),
            "publish_per_s": round(messages / published, 1),
            "consume_per_s": round(messages / consumed, 1),
            # The consumer's and the broker's processor time a message, and how
            # busy the cores were: the ceiling's own cost, read beside the ingest's.
            "consume_cpu_us_per_msg": used["cpu_us_per_unit"],
            "consume_machine_busy": used["machine_busy"]}


def database(url, rows, batch=1000):
    """Insert `rows` (progress updates) `batch` at a time, one transaction each,
    returning their ids as the tasks service does. Answers {rows, rows_per_s}."""
    metadata = MetaData()
    table = Table("bench_progress_ceiling", metadata, *[
        Column(column.name, column.type, primary_key=column.primary_key,
               nullable=column.nullable, autoincrement=column.autoincrement)
        for column in progress_reports.columns])
    engine = make_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        values = [{
            "batch_id": "b" * 32, "task_code": row["task"], "unit_code": row["unit"],
            "percent": row["percent"], "note": row.get("note"), "correction": False,
            "reported_at": row["reported_at"], "received_at": row["reported_at"],
            "source": "bench", "reported_by": "bench"} for row in rows]
        for value in values:
            moment = dt.datetime.fromisoformat(value["reported_at"]).replace(tzinfo=None)
            value["reported_at"] = value["received_at"] = moment
        started = time.perf_counter()
        for start in range(0, len(values), batch):
            with engine.begin() as connection:
                connection.execute(table.insert().returning(
                    table.c.id, sort_by_parameter_order=True), values[start:start + batch]
                ).scalars().all()
        elapsed = time.perf_counter() - started
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    return {"rows": len(values), "batch": batch, "seconds": round(elapsed, 3),
            "rows_per_s": round(len(values) / elapsed, 1)}


def web(readers, seconds, log_path):
    """A trivial endpoint under uvicorn with the gateway's settings."""
    port = free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.trivial:create_app",
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/ping", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the trivial app did not start; see {log_path}")
            time.sleep(0.2)
        return hammer(url, "/ping", {}, readers, seconds)
    finally:
        process.terminate()
        process.wait(30)
