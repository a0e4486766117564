"""Model provisioning on Docker: one short-lived fetch container per model, before any server starts."""
from __future__ import annotations

import os
from typing import Any

import pulumi
import pulumi_docker as docker

from ...spec import DataVolume, ModelSource
from .container import completed, one_shot_args


def fetch_env(model: ModelSource) -> list[str]:
    env = [f"MODEL_NAME={model.name}", f"MODEL_FILE={model.file}", f"MODEL_SHA256={model.sha256 or ''}"]
    if model.url:
        env.append(f"MODEL_URL={model.url}")
    if model.local_path:
        env.append(f"MODEL_SOURCE_PATH=/source/{os.path.basename(model.local_path)}")
    return env


class ModelProvisioner:
    """Fetches each model once into the shared models volume and verifies its sha256."""

    def __init__(self, renderer) -> None:
        self.renderer = renderer
        self._fetchers: dict[str, tuple[pulumi.Output, docker.Container]] = {}
        self._image: pulumi.Output | None = None

    def provision(self, models: tuple[ModelSource, ...], volume: DataVolume | None) -> tuple[pulumi.Output, list[Any]]:
        assert volume is not None, "a workload with models needs a models volume"
        results, containers = [], []
        for model in models:
            if model.snapshot_repo:
                continue  # whole repositories are pulled by the server into its own cache, pinned by commit
            if model.name not in self._fetchers:
                self._fetchers[model.name] = self._fetch(model, volume)
            verified, container = self._fetchers[model.name]
            results.append(verified)
            containers.append(container)
        ready = pulumi.Output.all(*results).apply(lambda sums: ",".join(s[:12] for s in sums)) if results else pulumi.Output.from_input("none")
        return ready, containers

    def _fetch(self, model: ModelSource, volume: DataVolume) -> tuple[pulumi.Output, docker.Container]:
        r = self.renderer
        mounts = [docker.ContainerMountArgs(type="volume", source=r.volume(volume).name, target="/models")]
        if model.local_path:
            mounts.append(
                docker.ContainerMountArgs(type="bind", source=os.path.dirname(model.local_path), target="/source", read_only=True)
            )
        envs: list[Any] = fetch_env(model)
        secret_envs = []
        if model.url and "huggingface.co" in model.url and r.cfg.hf_token:
            secret_envs.append(pulumi.Output.secret(f"HF_TOKEN={r.cfg.hf_token}"))
        labels = {"aistack.dev/role": "model-fetch", "aistack.dev/workload": f"fetch-{model.name}",
                  "aistack.dev/component": "Models"}
        container = docker.Container(
            f"{r.prefix}-fetch-{model.name}",
            name=f"{r.prefix}-fetch-{model.name}",
            envs=envs + secret_envs,
            tmpfs={"/tmp": "rw,noexec,nosuid,size=16m"},
            mounts=mounts,
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=r.network.name)],
            **one_shot_args(r.image_provider("model-fetch"), labels, memory_mib=256),
            opts=pulumi.ResourceOptions(parent=r.parent),
        )
        verified = completed(container, f"model {model.name}: provisioning").apply(lambda _: model.sha256 or "snapshot")
        return verified, container
