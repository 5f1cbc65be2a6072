//! The suite run against the SDK's example connector: every check a separately named test.

fn main() {
    conformance_tests::run(conformance_tests::reference::ReferenceHarness::new()).exit()
}
