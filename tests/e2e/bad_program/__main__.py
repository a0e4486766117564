"""A deliberately insecure workload: privileged, host network, root, `latest` image, a plain-HTTP Ingress.
Rendered to a directory (no cluster needed); `pulumi preview --policy-pack policies` must refuse it."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from policies.plugin_launch import run_pack_if_plugin  # noqa: E402

run_pack_if_plugin()

import pulumi  # noqa: E402
import pulumi_kubernetes as k8s  # noqa: E402

provider = k8s.Provider("render", render_yaml_to_directory=os.environ.get("BAD_PROGRAM_OUT", "rendered"))
labels = {"app": "bad"}
k8s.apps.v1.Deployment(
    "bad",
    metadata={"name": "bad", "namespace": "default"},
    spec={
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "hostNetwork": True,
                "containers": [{
                    "name": "bad",
                    "image": "nginx:latest",
                    "securityContext": {"privileged": True, "runAsUser": 0},
                }],
            },
        },
    },
    opts=pulumi.ResourceOptions(provider=provider),
)
k8s.networking.v1.Ingress(
    "bad",
    metadata={"name": "bad", "namespace": "default"},
    spec={"rules": [{"host": "bad.example.com", "http": {"paths": [{
        "path": "/", "pathType": "Prefix", "backend": {"service": {"name": "bad", "port": {"number": 80}}}}]}}]},
    opts=pulumi.ResourceOptions(provider=provider),
)
