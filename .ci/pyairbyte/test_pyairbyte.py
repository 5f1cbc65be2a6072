"""PyAirbyte (Airbyte's Python client) reads the gorgias-connector binary into its DuckDB cache.

Run by `.ci/pyairbyte/run`, which builds the binaries, makes the venv and starts two sandboxes
(same seed; the second renders datetimes in Gorgias's documented naive form). Checks:

1. `check()` passes; every stream is selected; a read with the default cache settings lands
   exactly as many rows per stream as the connector's own `read` emits records.
2. A ticket created with the binary's `create_ticket` action between two reads arrives with the
   second read (which resumes from the cache's state) and the row counts match again.
3. Column types: datetimes TIMESTAMP WITH TIME ZONE, ids BIGINT, free-form objects JSON.
4. The naive sandbox's `tickets.created_datetime` values are the default sandbox's instants.

Every check runs even when an earlier one fails; the last line is `N passed, M failed`.
Nothing secret is printed: the credentials stay in the config files under the work dir.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

RESULTS: list[tuple[str, bool, str]] = []


# PyAirbyte prints to stdout (type warnings, progress): that goes to a file under the work dir
# (`main` redirects it), and only this test's lines reach the console.
CONSOLE = sys.__stdout__
SECRETS: list[str] = []


def say(text: str) -> None:
    for secret in SECRETS:
        text = text.replace(secret, "***")
    print(text, file=CONSOLE, flush=True)


def check(name: str, ok: bool, detail: str = "") -> bool:
    RESULTS.append((name, ok, detail))
    say(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
    return ok


def sandbox_config(out_file: Path, wait_secs: float = 60.0) -> dict | None:
    """The config reaching a sandbox, from what `gorgias-sandbox serve` printed (or None if it
    did not start)."""
    deadline = time.monotonic() + wait_secs
    while time.monotonic() < deadline:
        text = out_file.read_text() if out_file.exists() else ""
        url = re.search(r"listening on (http://\S+)", text)
        email = re.search(r"^\s+email:\s+(\S+)", text, re.M)
        key = re.search(r"^\s+api_key:\s+(\S+)", text, re.M)
        sub = re.search(r"^account (\S+)", text, re.M)
        if url and email and key and sub:
            # Every credential the sandbox printed is scrubbed from what this test prints.
            SECRETS.extend(re.findall(
                r"(?:api_key:|bearer_token:|client_secret|refresh_token)\s+(\S+)", text))
            return {
                "subdomain": sub.group(1),
                "auth": {"type": "basic", "email": email.group(1), "api_key": key.group(1)},
                "base_url": url.group(1),
                "rate_limit_window_secs": 1,
            }
        err = out_file.with_suffix(".err")
        if err.exists() and "error" in err.read_text().lower():
            return None
        time.sleep(0.1)
    return None


def binary_counts(connector: str, config_path: Path) -> dict[str, int]:
    """Records per stream of the connector's own full `read` (every stream)."""
    proc = subprocess.run(
        [connector, "read", "--config", str(config_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the connector's read exited {proc.returncode}: {proc.stderr[-2000:]}")
    counts: collections.Counter[str] = collections.Counter()
    for line in proc.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "RECORD":
            record = message["record"]
            counts[record["stream"]] += 1
            if record["stream"] == "tickets":
                TICKETS_CREATED[record["data"]["id"]] = record["data"]["created_datetime"]
    return dict(counts)


# Each ticket's `created_datetime` as the connector's own read emitted it (RFC 3339).
TICKETS_CREATED: dict[int, str] = {}


def cache_counts(cache, streams: list[str]) -> dict[str, int]:
    from sqlalchemy import text

    counts = {}
    with cache.get_sql_engine().connect() as conn:
        for stream in streams:
            table = cache.processor.get_sql_table_name(stream)
            counts[stream] = conn.execute(
                text(f'SELECT COUNT(*) FROM {cache.schema_name}."{table}"')
            ).scalar_one()
    return counts


def column_types(cache, stream: str) -> dict[str, str]:
    from sqlalchemy import text

    table = cache.processor.get_sql_table_name(stream)
    with cache.get_sql_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = :schema AND table_name = :table"
            ),
            {"schema": cache.schema_name, "table": table},
        ).all()
    return {name: kind for name, kind in rows}


def compare_counts(what: str, got: dict[str, int], want: dict[str, int], streams: list[str]) -> None:
    wrong = {s: (got.get(s), want.get(s, 0)) for s in streams if got.get(s) != want.get(s, 0)}
    check(
        f"{what}: every stream's row count equals the connector's own count",
        not wrong,
        "; ".join(f"{s}: cache {g}, connector {w}" for s, (g, w) in sorted(wrong.items())),
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connector", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--sandbox", required=True, type=Path)
    parser.add_argument("--naive-sandbox", required=True, type=Path)
    parser.add_argument("--pyairbyte-out", required=True, type=Path)
    parser.add_argument("--pyairbyte-err", required=True, type=Path)
    args = parser.parse_args()
    global ARGS
    ARGS = args
    sys.stdout = open(args.pyairbyte_out, "w", buffering=1)  # noqa: SIM115 - for the whole run

    import airbyte as ab

    config = sandbox_config(args.sandbox)
    if not check("the default sandbox started", config is not None, f"see {args.sandbox.with_suffix('.err')}"):
        return summary()
    config_path = args.work / "config.json"
    config_path.write_text(json.dumps(config))

    source = ab.get_source("source-gorgias", local_executable=args.connector, config=config,
                           install_if_missing=False)
    try:
        source.check()
        check("check() passes", True)
    except Exception as e:  # noqa: BLE001 - reported, then the rest goes on
        check("check() passes", False, f"{type(e).__name__}: {e}")
    source.select_all_streams()
    streams = sorted(source.get_selected_streams())
    check("every stream is selected", len(streams) >= 20, f"{streams}")

    cache = ab.get_default_cache()
    started = time.monotonic()
    first = source.read(cache=cache)
    first_secs = time.monotonic() - started
    want = binary_counts(args.connector, config_path)
    got = cache_counts(cache, streams)
    say(f"first read: {len(streams)} streams, {sum(got.values())} rows in {first_secs:.1f}s "
        f"(PyAirbyte counted {first.processed_records})")
    compare_counts("first read", got, want, streams)

    # A new ticket, created by the binary, must arrive with the incremental read.
    created = subprocess.run(
        [args.connector, "action", "create_ticket", "--config", str(config_path), "--input", "-"],
        input=json.dumps({
            "channel": "email", "via": "api", "subject": "PyAirbyte incremental canary",
            "messages": [{"channel": "email", "via": "api", "from_agent": False,
                          "sender": {"email": "pyairbyte-canary@example.com"},
                          "body_text": "Read me incrementally."}],
        }),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False,
    )
    new_id = json.loads(created.stdout)["id"] if created.returncode == 0 else None
    check("create_ticket ran", new_id is not None, created.stderr[-500:])

    started = time.monotonic()
    source.read(cache=cache)
    second_secs = time.monotonic() - started
    want = binary_counts(args.connector, config_path)
    got = cache_counts(cache, streams)
    say(f"second read: {len(streams)} streams, {sum(got.values())} rows in {second_secs:.1f}s")
    compare_counts("second read (from the first read's state)", got, want, streams)
    if new_id is not None:
        from sqlalchemy import text

        table = cache.processor.get_sql_table_name("tickets")
        with cache.get_sql_engine().connect() as conn:
            subjects = conn.execute(
                text(f'SELECT subject FROM {cache.schema_name}."{table}" WHERE id = :id'),
                {"id": new_id},
            ).scalars().all()
        check("the created ticket arrived once, with its subject",
              subjects == ["PyAirbyte incremental canary"], f"{subjects}")

    # Typed columns, and no schema PyAirbyte cannot type.
    sys.stdout.flush()
    untyped = sorted({line for line in args.pyairbyte_out.read_text().splitlines()
                      if line.startswith("Could not determine airbyte type")})
    # One field is documented as an object or a string (a voice call event's `meta`: the API
    # reference's example is the string "{}"); PyAirbyte types such a union as text, with its
    # warning. Every other field must be typed.
    union = [w for w in untyped if "'type': ['object', 'string', 'null']" in w]
    untyped = [w for w in untyped if w not in union]
    check("the one documented object-or-string field is the one PyAirbyte types as text",
          len(union) == 1 and column_types(cache, "voice_call_events").get("meta") == "VARCHAR",
          f"{len(union)} such warnings; voice_call_events.meta is "
          f"{column_types(cache, 'voice_call_events').get('meta')}")
    check("PyAirbyte can type every other field (no \"Could not determine airbyte type\")", not untyped,
          f"{len(untyped)} distinct warnings: "
          + " | ".join(w.removeprefix("Could not determine airbyte type from JSON schema: ")[:200]
                       for w in untyped))
    # Datetimes: PyAirbyte asks SQLAlchemy for TIMESTAMP(timezone=True) (Airbyte's
    # timestamp_with_timezone), exactly the type of its own `_airbyte_extracted_at`; its DuckDB
    # dialect creates both as DuckDB's TIMESTAMP holding UTC instants. So a datetime column must
    # be typed from the schema as timestamp-with-time-zone and land with the type of
    # `_airbyte_extracted_at`, not as text.
    converter = cache.processor.type_converter
    schema = next(s.stream.json_schema for s in source.configured_catalog.streams
                  if s.stream.name == "tickets")
    sql_type = converter.to_sql_type(schema["properties"]["created_datetime"])
    check("tickets.created_datetime is typed TIMESTAMP(timezone=True) from its schema",
          type(sql_type).__name__ == "TIMESTAMP" and getattr(sql_type, "timezone", False),
          f"it is {sql_type!r}")
    types = column_types(cache, "tickets")
    stamp = types.get("_airbyte_extracted_at")
    check("PyAirbyte's own timestamp column is a TIMESTAMP type", bool(stamp) and "TIMESTAMP" in stamp,
          f"it is {stamp}")
    expected = {
        "created_datetime": stamp,
        "updated_datetime": stamp,
        "id": "BIGINT",
        "meta": "JSON",
    }
    for column, kind in expected.items():
        check(f"tickets.{column} is {kind}", types.get(column) == kind, f"it is {types.get(column)}")
    others = {"customers": {"created_datetime": stamp, "id": "BIGINT"},
              "events": {"created_datetime": stamp, "id": "BIGINT"}}
    for stream, columns in others.items():
        t = column_types(cache, stream)
        for column, kind in columns.items():
            check(f"{stream}.{column} is {kind}", t.get(column) == kind, f"it is {t.get(column)}")

    # The naive sandbox: the same instants.
    naive = sandbox_config(args.naive_sandbox, wait_secs=30)
    if check("the naive sandbox started (`serve --datetime-style naive`)", naive is not None,
             f"see {args.naive_sandbox.with_suffix('.err')}"):
        naive_source = ab.get_source("source-gorgias", local_executable=args.connector, config=naive,
                                     install_if_missing=False)
        naive_source.select_streams(["tickets"])
        naive_cache = ab.new_local_cache("naive", cache_dir=args.work / "naive-cache")
        naive_source.read(cache=naive_cache)
        from sqlalchemy import text

        def created(c) -> dict:
            table = c.processor.get_sql_table_name("tickets")
            with c.get_sql_engine().connect() as conn:
                # The seeded tickets only: the canary exists in the default sandbox alone.
                rows = conn.execute(text(
                    f'SELECT id, created_datetime FROM {c.schema_name}."{table}" ORDER BY id')).all()
            return {row[0]: row[1] for row in rows}

        default_values = created(cache)
        # The cache holds the instants the connector emitted (DuckDB's TIMESTAMP is UTC).
        import datetime as dt
        emitted = {i: dt.datetime.fromisoformat(v).astimezone(dt.timezone.utc).replace(tzinfo=None)
                   for i, v in TICKETS_CREATED.items()}
        wrong = [i for i in emitted if default_values.get(i) != emitted[i]]
        check("tickets.created_datetime in DuckDB is the instant the connector emitted",
              bool(emitted) and not wrong,
              f"{len(wrong)} of {len(emitted)} differ, e.g. "
              + ", ".join(f"{i}: {default_values.get(i)!r} vs {emitted[i]!r}" for i in wrong[:2]))
        naive_values = created(naive_cache)
        if new_id is not None:
            default_values.pop(new_id, None)
        differing = [i for i in default_values if naive_values.get(i) != default_values[i]]
        check("naive tickets.created_datetime values are the default's instants (UTC)",
              bool(default_values) and not differing and len(naive_values) == len(default_values),
              f"{len(differing)} of {len(default_values)} differ, e.g. "
              + ", ".join(f"{i}: {default_values[i]!r} vs {naive_values.get(i)!r}" for i in differing[:2]))
    return summary()


ARGS: argparse.Namespace | None = None


def summary() -> int:
    failed = [name for name, ok, _ in RESULTS if not ok]
    passed = len(RESULTS) - len(failed)
    if failed and ARGS is not None:
        sys.stderr.flush()
        tail = ARGS.pyairbyte_err.read_text(errors="replace").splitlines()[-25:]
        say(f"--- the last lines of PyAirbyte's stderr ({ARGS.pyairbyte_err}):")
        for line in tail:
            say("  " + line)
        say(f"--- PyAirbyte's stdout and logs: {ARGS.pyairbyte_out}, {ARGS.work / 'logs'}")
    say(f"pyairbyte: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:  # noqa: BLE001 - an unexpected failure is one more failed check
        check("the test ran to its end", False, traceback.format_exc(limit=5))
        sys.exit(summary())
