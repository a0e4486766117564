"""The labelling conventions of the aistack program that the stack-level rules rely on.

Every Docker container and every Kubernetes workload / pod template carries

* ``aistack.dev/role``: one of ``ROLES``;
* ``aistack.dev/workload``: the workload name (``prometheus`` for the Prometheus server).

Data volumes (Docker volumes labelled ``aistack.dev/data=true``, every Kubernetes PVC) are declared
with ``retain_on_delete=True`` and, because policies cannot see that option, also carry
``aistack.dev/retain=true`` (see ``rules/dat01_data_protection.py``).
"""

from __future__ import annotations

LABEL_ROLE = "aistack.dev/role"
LABEL_WORKLOAD = "aistack.dev/workload"
LABEL_DATA = "aistack.dev/data"
LABEL_RETAIN = "aistack.dev/retain"

ROLE_INFERENCE = "inference"
ROLE_GATEWAY = "gateway"
ROLE_WEBUI = "webui"
ROLE_MONITORING = "monitoring"
ROLE_MODEL_FETCH = "model-fetch"
ROLE_EXPORTER = "exporter"
ROLE_CONFIG = "config"  # one-shot writer of a workload's generated config files (Docker)

ROLES: tuple[str, ...] = (
    ROLE_INFERENCE,
    ROLE_GATEWAY,
    ROLE_WEBUI,
    ROLE_MONITORING,
    ROLE_MODEL_FETCH,
    ROLE_EXPORTER,
    ROLE_CONFIG,
)

# Docker: a config writer (role `config`) labelled with the workload it writes for fills the config volume
# that workload mounts at CONFIG_DIR; each file is AISTACK_PATH_<i> (relative) / AISTACK_FILE_<i> (base64).
LABEL_CONFIG_FOR = "aistack.dev/config-for"
CONFIG_DIR = "/etc/aistack"

PROMETHEUS_WORKLOAD = "prometheus"
PROMETHEUS_CONFIG_PATH = "/etc/prometheus/prometheus.yml"
