"""pytest setup of the CDK's standard tests: the suite's options (`--connector-image`,
`--read-from-streams`, `--read-scenarios`) and scenario parametrisation."""

pytest_plugins = [
    "airbyte_cdk.test.standard_tests.pytest_hooks",
]
