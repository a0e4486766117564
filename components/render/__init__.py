"""Target renderers: turn the neutral spec (components/spec.py) into Docker or Kubernetes resources."""
from .base import Renderer, RenderedImage, RenderedWorkload


def renderer_for(target: str, cfg, plan, parent) -> Renderer:
    """The one place that maps `aistack:target` to a renderer."""
    if target == "docker":
        from .docker import DockerRenderer

        return DockerRenderer(cfg, plan, parent)
    from .kubernetes import KubernetesRenderer

    return KubernetesRenderer(cfg, plan, parent)


__all__ = ["Renderer", "RenderedImage", "RenderedWorkload", "renderer_for"]
