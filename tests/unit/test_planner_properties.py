"""Property tests: on any topology and any request, the planner returns a sound plan or a ConfigError."""
from __future__ import annotations

from hypothesis import event, given, note, settings
from hypothesis import strategies as st

from components.config import ConfigError, load_stack_config
from components.hardware.gpus import GpuInfo
from components.hardware.inventory import Inventory, Machine
from components.hardware.planner import plan
from components.hardware.topology import CpuTopology, PhysicalCore

GIB = 1024**3
TINY = {
    "name": "tiny",
    "url": "https://example.com/tiny.gguf",
    "sha256": "0" * 64,
    "sizeGib": 0.01,
    "architecture": {"layers": 1, "kvHeads": 1, "headDim": 8},
}


@st.composite
def topologies(draw) -> CpuTopology:
    """Cores split into L3 domains of any (uneven) sizes, grouped into NUMA nodes; SMT 1-4, maybe hybrid."""
    n = draw(st.integers(1, 40))
    smt = draw(st.integers(1, 4))
    hybrid = smt > 1 and draw(st.booleans())  # some cores without SMT (E-cores)
    threads = [smt if not hybrid or draw(st.booleans()) else 1 for _ in range(n)]
    cuts = sorted(draw(st.sets(st.integers(1, n - 1), max_size=min(7, n - 1))) if n > 1 else set())
    l3_of, domain, bounds = [], 0, set(cuts)
    for core in range(n):
        if core in bounds:
            domain += 1
        l3_of.append(domain)
    per_numa = draw(st.integers(1, domain + 1))  # consecutive L3 domains per NUMA node
    layout = draw(st.sampled_from(["offset", "adjacent"]))
    cores, extra = [], n
    for core in range(n):
        if layout == "adjacent":
            first = sum(threads[:core])
            cpus = tuple(range(first, first + threads[core]))
        else:
            cpus = (core, *range(extra, extra + threads[core] - 1))
            extra += threads[core] - 1
        cores.append(PhysicalCore(cpus[0], cpus, l3_of[core], l3_of[core] // per_numa, 0))
    return CpuTopology("hypothetical", tuple(sorted(cores)), source="test")


@st.composite
def requests(draw, topology: CpuTopology):
    """CPU servers (some pinned by an explicit cpuList, right or wrong), GPU servers with host cores, a reserve."""
    all_cpus = sorted(c for core in topology.cores for c in core.cpus)
    servers = []
    for i in range(draw(st.integers(0, 5) | st.integers(1, 4))):
        server = {"name": f"cpu-{i}", "model": "tiny", "cores": draw(st.integers(1, 8)), "memoryGib": 1,
                  "contextSize": 128, "replicas": draw(st.integers(1, 3))}
        pin = draw(st.sampled_from(["none"] * 6 + ["whole", "any"]))
        if pin == "whole":
            chosen = draw(st.lists(st.sampled_from(topology.cores), min_size=1, max_size=6, unique=True))
            server.update(replicas=1, cores=len(chosen), cpuList=sorted(c for core in chosen for c in core.cpus))
        elif pin == "any":
            server.update(replicas=1, cpuList=draw(st.lists(st.sampled_from(all_cpus), min_size=1, max_size=8)))
        servers.append(server)
    gpu_servers = [
        {"name": f"gpu-{i}", "engine": "llama-cuda", "model": "tiny", "hostCores": draw(st.integers(1, 4)),
         "gpuMemoryUtilization": 0.3, "contextSize": 128, "maxSequences": 1, "memoryGib": 1, "shmGib": 1}
        for i in range(draw(st.integers(0, 2)))
    ]
    return servers, gpu_servers, draw(st.integers(0, 4))


def _gpus(count: int) -> tuple[GpuInfo, ...]:
    return tuple(GpuInfo(i, f"GPU-test-{i}", "Test GPU", 80 * GIB, (9, 0)) for i in range(count))


@st.composite
def cases(draw):
    topology = draw(topologies())
    servers, gpu_servers, reserved = draw(requests(topology))
    gpu_count = draw(st.integers(0, 2))
    return topology, servers, gpu_servers, reserved, gpu_count


@given(cases())
def test_planner_returns_a_sound_plan_or_a_config_error(case):
    topology, servers, gpu_servers, reserved, gpu_count = case
    note(topology.summary())
    raw = {
        "target": "docker",
        "hardware": {"detect": True, "reservedCores": reserved, "reservedMemoryGib": 1},
        "models": [TINY],
        "cpuServers": servers,
        "gpuServers": gpu_servers,
    }
    machine = Machine("host", topology, 4096 * GIB, _gpus(gpu_count))
    inventory = Inventory("workstation", (machine,), reserved, 1, detected=True)
    try:
        cfg = load_stack_config(raw, "prop")
        result = plan(cfg, inventory, ".", "prop")
    except ConfigError as exc:
        event("refused: " + ("pinned" if any("cpuList" in s for s in servers) else "too big"))
        assert exc.problems, "a ConfigError must say what is wrong"
        for problem in exc.problems:
            assert problem.path and problem.message
            assert str(problem).startswith("aistack:")
        assert str(exc).splitlines()[0].endswith("nothing was deployed:")
        _must_have_failed_for_a_reason(topology, servers, gpu_servers, reserved, gpu_count, exc)
        return

    event(f"planned {len(result.cpu)} CPU + {len(result.gpu)} GPU replica(s)" if result.cpu or result.gpu else "planned nothing")
    owner: dict[PhysicalCore, str] = {}

    def claim(cores, who):
        for core in cores:
            assert core in topology.cores, f"{who} got a core that does not exist"
            assert core not in owner, f"{who} shares core {core.cpus} with {owner[core]}"
            owner[core] = who

    # reserved cores: the requested number, lowest free first, and nobody else's
    pinned = set().union(*(_cores_of(topology, s["cpuList"]) for s in servers if "cpuList" in s))
    assert len(result.reserved) == min(reserved, len(topology.cores) - len(pinned))
    assert not pinned & set(result.reserved)
    claim(result.reserved, "the OS reserve")
    for server in servers:
        replicas = result.cpu_replicas(server["name"])
        assert len(replicas) == server["replicas"]
        for r in replicas:
            assert len(r.cores) == server["cores"] == r.core_count
            # whole cores: every SMT sibling of every core it touches
            assert set(r.cpus) == {c for core in r.cores for c in core.cpus}
            if "cpuList" in server:
                assert set(r.cpus) == set(server["cpuList"])
            if len(r.l3_domains) > 1 and "cpuList" not in server:
                assert any(f"{r.server} replica {r.replica} spans" in w for w in result.warnings)
            claim(r.cores, f"{r.server}/{r.replica}")
    for server in gpu_servers:
        (r,) = result.gpu_replicas(server["name"])
        assert len(r.host_cores) == server["hostCores"]
        claim(r.host_cores, f"{r.server} host threads")


def _cores_of(topology: CpuTopology, cpus) -> set[PhysicalCore]:
    return {core for core in topology.cores if set(core.cpus) & set(cpus)}


def _must_have_failed_for_a_reason(topology, servers, gpu_servers, reserved, gpu_count, exc):
    """When nothing is pinned and there are enough cores and GPUs, planning must succeed."""
    pinned = any("cpuList" in s for s in servers)
    need = sum(s["cores"] * s["replicas"] for s in servers) + sum(g["hostCores"] for g in gpu_servers) + reserved
    gpus_ok = not gpu_servers or len(gpu_servers) <= gpu_count
    assert pinned or need > len(topology.cores) or not gpus_ok, f"refused a plan that fits:\n{exc}"


@settings(max_examples=40)
@given(topologies())
def test_generated_topologies_are_well_formed(topology):
    cpus = [c for core in topology.cores for c in core.cpus]
    assert len(cpus) == len(set(cpus))
    assert all(len({c.numa for c in cores}) == 1 for cores in topology.l3_domains.values())
