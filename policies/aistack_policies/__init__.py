"""Pure, synchronous rule modules of the aistack policy pack.

Nothing here starts the policy analyzer: ``registry.RULES`` lists the rules, each rule can be called
directly (``rule.validate(args, report_violation)``) or evaluated for the compliance report
(``rule.evaluate(...)``). Only the pack's ``__main__.py`` builds the ``PolicyPack``.

Imports inside this package are relative so it works both as ``aistack_policies`` (how the Pulumi CLI
loads the pack, with ``policies/`` on ``sys.path``) and as ``policies.aistack_policies`` (tests, report).
"""
