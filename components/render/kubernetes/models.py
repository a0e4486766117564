"""Model provisioning on a cluster: one Job per model fills the shared models PVC once and verifies the sha256;
server pods wait in an init container until the verified file is there, and check it again themselves."""
from __future__ import annotations

import shlex
from typing import Any

from ...spec import NONROOT_UID, ModelSource
from .pod import container_security, pod_security

FETCH_RESOURCES = {"cpu": "500m", "memory": "256Mi"}


def fetch_env(model: ModelSource) -> list[dict[str, Any]]:
    env = [
        {"name": "MODEL_NAME", "value": model.name},
        {"name": "MODEL_FILE", "value": model.file},
        {"name": "MODEL_SHA256", "value": model.sha256 or ""},
    ]
    if model.url:
        env.append({"name": "MODEL_URL", "value": model.url})
    return env


def fetch_job_spec(model: ModelSource, image: Any, models_pvc: Any, labels: dict[str, str], hf_secret: Any | None) -> dict[str, Any]:
    env = fetch_env(model)
    if hf_secret:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": hf_secret, "key": "HF_TOKEN"}}})
    container = {
        "name": "fetch",
        "image": image,
        "env": env,
        "resources": {"requests": dict(FETCH_RESOURCES), "limits": dict(FETCH_RESOURCES)},
        "securityContext": container_security(NONROOT_UID),
        "volumeMounts": [{"name": "models", "mountPath": "/models"}, {"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "backoffLimit": 4,  # each retry resumes the partial download
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "restartPolicy": "OnFailure",
                "automountServiceAccountToken": False,
                "securityContext": pod_security(NONROOT_UID),
                "containers": [container],
                "volumes": [
                    {"name": "models", "persistentVolumeClaim": {"claimName": models_pvc}},
                    {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                ],
            },
        },
    }


def wait_for_models(models: tuple[ModelSource, ...], image: Any, uid: int, volume_name: str) -> dict[str, Any]:
    """Init container: block until every model file is in place, then verify its checksum (fail closed)."""
    checks = []
    for m in models:
        path = shlex.quote(f"/models/{m.file}")
        checks.append(
            f"until [ -f {path} ]; do echo 'waiting for model {m.name}'; sleep 5; done; "
            f"echo '{m.sha256}  '{path} | sha256sum -c -"
        )
    return {
        "name": "verify-models",
        "image": image,
        "command": ["sh", "-c", " && ".join(f"( {c} )" for c in checks)],
        "resources": {"requests": dict(FETCH_RESOURCES), "limits": dict(FETCH_RESOURCES)},
        "securityContext": container_security(uid),
        "volumeMounts": [{"name": volume_name, "mountPath": "/models", "readOnly": True}],
    }
