"""pytest setup of the CDK's standard tests: the suite's options (`--connector-image`,
`--read-from-streams`, `--read-scenarios`) and scenario parametrisation."""

pytest_plugins = [
    "airbyte_cdk.test.standard_tests.pytest_hooks",
]


def pytest_configure(config):
    """The marks the CDK's suite sets (registered, so pytest does not warn about them)."""
    config.addinivalue_line("markers", "image_tests: runs the connector image")
    config.addinivalue_line("markers", "requires_creds: needs the secrets/ configs")
