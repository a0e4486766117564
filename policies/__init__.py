"""aistack policy pack: security and convention rules for the Docker and Kubernetes targets.

The pack itself is started by ``__main__.py`` (the Pulumi CLI runs it). Everything else is importable
without side effects: ``aistack_policies`` holds the pure rules, ``report`` the compliance report and
``docs`` the README generator.
"""
