"""Hardware facts (CPU topology, GPUs, memory) and the placement planner. Pure functions, no Pulumi."""
