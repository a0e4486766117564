"""Run the stack program under Pulumi's mocks and capture what it declares (tests, policy report, benchmarks)."""
