"""`python -m components.cli <command>`: the one entry point for day-to-day work (the Makefile calls it).

    up STACK | preview STACK | destroy STACK     deploy, diff, tear down (the Pulumi CLI, non-interactive)
    plan STACK                                   the hardware plan table (no Pulumi CLI needed)
    compliance STACK                             the policy compliance report (markdown or json)
    doctor                                       check this machine: engine, GPUs, CPU, toolchain
    pr-comment STACK...                          CI: one PR comment with the previews and compliance reports
"""
