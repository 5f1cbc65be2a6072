"""Airbyte's own standard tests on the connector image.

`DockerConnectorTestSuite` (airbyte-cdk, PyPI) is the suite Airbyte runs on its connectors: it
reads `../metadata.yaml` and `../acceptance-test-config.yml` and runs the image through the
`docker` CLI (`spec`, `check` of every `connection` config against its declared status, the
configs validated against the spec, `discover`, a full-refresh `read` of every stream), here
against the image given by `--connector-image` (built by .ci/image/run) and a gorgias-sandbox
whose credentials .ci/image/run wrote to `secrets/`.

The suite reads in full-refresh mode only and does not collect the `incremental` section, so
`test_incremental_read_resumes_from_state` adds that: every incremental stream read in the
image, then again from the state the first read ended with.

Run (after .ci/image/run has built the image and written the secrets):
    pytest gorgias-connector/integration_tests --connector-image IMAGE \\
        --read-from-streams=all --read-scenarios=all
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from airbyte_cdk.test.standard_tests.docker_base import DockerConnectorTestSuite

CONNECTOR_ROOT = Path(__file__).resolve().parent.parent


def _docker(image: str, args: list[str], mounts: dict[Path, str]) -> list[dict[str, Any]]:
    """`docker run --rm` of `image` with `args` and read-only `mounts`; the messages on stdout.

    Fails unless it exits 0 and every stdout line is one JSON message.
    """
    cmd = ["docker", "run", "--rm"]
    for host, container in mounts.items():
        cmd += ["-v", f"{host}:{container}:ro"]
    result = subprocess.run(
        [*cmd, image, *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, (
        f"`{' '.join(args)}` exited {result.returncode}; stderr:\n{result.stderr[-4000:]}"
    )
    messages = []
    for line in result.stdout.splitlines():
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"`{' '.join(args)}` printed a line that is not JSON: {line[:200]!r}")
    errors = [m for m in messages if m.get("type") == "TRACE" and m["trace"].get("error")]
    assert not errors, f"`{' '.join(args)}` reported errors: {errors}"
    return messages


def _incremental_config() -> Path:
    tests = yaml.safe_load((CONNECTOR_ROOT / "acceptance-test-config.yml").read_text())
    entry = tests["acceptance_tests"]["incremental"]["tests"][0]
    return CONNECTOR_ROOT / entry["config_path"]


class TestGorgiasConnectorImage(DockerConnectorTestSuite):
    """The CDK's standard tests of a Docker connector image, plus an incremental round trip."""

    def test_incremental_read_resumes_from_state(
        self, connector_image_override: str | None
    ) -> None:
        """Every stream that supports incremental, read incrementally in the image: records and
        one final state per stream; a second read from that state emits fewer records than the
        first (only those at the saved cursor, none older)."""
        if not connector_image_override:
            pytest.skip("needs --connector-image (the image .ci/image/run built)")
        image = connector_image_override
        config = _incremental_config()
        with tempfile.TemporaryDirectory(prefix="gorgias-incremental-") as tmp:
            tmp_dir = Path(tmp)
            mounts = {config: "/secrets/config.json"}
            discovered = _docker(image, ["discover", "--config", "/secrets/config.json"], mounts)
            streams = [
                s
                for m in discovered
                if m["type"] == "CATALOG"
                for s in m["catalog"]["streams"]
                if "incremental" in s.get("supported_sync_modes", [])
            ]
            assert streams, "discover lists no stream that supports incremental"
            catalog = {
                "streams": [
                    {
                        "stream": s,
                        "sync_mode": "incremental",
                        "cursor_field": s.get("default_cursor_field", []),
                        "destination_sync_mode": "append",
                    }
                    for s in streams
                ]
            }
            catalog_path = tmp_dir / "catalog.json"
            catalog_path.write_text(json.dumps(catalog))
            catalog_path.chmod(0o644)
            mounts[catalog_path] = "/secrets/catalog.json"
            read = ["read", "--config", "/secrets/config.json", "--catalog", "/secrets/catalog.json"]

            first = _docker(image, read, mounts)
            first_counts = Counter(m["record"]["stream"] for m in first if m["type"] == "RECORD")
            states: dict[str, dict[str, Any]] = {}
            for m in first:
                if m["type"] == "STATE" and m["state"].get("type") == "STREAM":
                    states[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
            names = {s["name"] for s in streams}
            assert sum(first_counts.values()) > 0, "the first incremental read emitted no record"
            assert states.keys() == names, (
                f"streams without a final state: {sorted(names - states.keys())}"
            )

            state_path = tmp_dir / "state.json"
            state_path.write_text(json.dumps(list(states.values())))
            state_path.chmod(0o644)
            mounts[state_path] = "/secrets/state.json"
            second = _docker(image, [*read, "--state", "/secrets/state.json"], mounts)
            second_counts = Counter(
                m["record"]["stream"] for m in second if m["type"] == "RECORD"
            )
            assert sum(second_counts.values()) < sum(first_counts.values()), (
                f"the read from state re-read everything: {dict(second_counts)} after "
                f"{dict(first_counts)}"
            )
            for name, n in second_counts.items():
                assert n <= first_counts[name], f"{name}: {n} records from state, {first_counts[name]} at first"
