"""The prod stack through the real engine, offline: the kubernetes provider renders every object to files
(no cluster needed), and every rendered manifest validates against the Kubernetes schemas."""
import yaml
import pytest

from components.testing.manifests import Manifest, validate

pytestmark = pytest.mark.e2e
SECRETS = {"aistack:gatewayApiKey": "e2e-gateway-key", "aistack:grafanaAdminPassword": "e2e-grafana-password"}


def test_prod_preview_and_render_through_the_real_engine(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("manifests")
    project.init_stack("prod", SECRETS)
    project.set_config("prod", "aistack:kubernetes.renderYamlTo", str(out))

    preview = project.pulumi("preview", "--diff", stack="prod")
    assert "aistack:platform:Platform" in preview.stdout and "kubernetes:apps/v1:Deployment" in preview.stdout

    project.pulumi("up", "--yes", "--skip-preview", stack="prod")
    rendered = []
    for path in sorted(out.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                rendered.append(Manifest(path.name, doc))
    kinds = {m.kind for m in rendered}
    assert {"Namespace", "Deployment", "Service", "Ingress", "NetworkPolicy", "PersistentVolumeClaim", "Job",
            "PodMonitor", "PrometheusRule", "ResourceQuota", "LimitRange", "PodDisruptionBudget"} <= kinds
    assert [p for m in rendered for p in validate(m)] == []
    assert "e2e-gateway-key" not in "".join(p.read_text() for p in out.rglob("*.yaml") if "ConfigMap" in p.name.lower())

    second = project.pulumi("preview", "--expect-no-changes", stack="prod")
    assert second.returncode == 0
