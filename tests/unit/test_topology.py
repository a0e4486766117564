"""read_sysfs on the fixture trees, and the cpu-list helpers."""
from __future__ import annotations

import pytest
from unit_support import SYSFS

from components.hardware.topology import format_cpu_list, parse_cpu_list, read_sysfs, synthesize

GIB = 1024**3


def _cpuset(cores):
    return format_cpu_list(c for core in cores for c in core.cpus)


def test_ryzen_9950x():
    topo = read_sysfs(SYSFS / "ryzen-9950x")
    assert topo.model == "AMD Ryzen 9 9950X 16-Core Processor"
    assert topo.source == "sysfs"
    assert (len(topo.cores), topo.logical_cpus, topo.threads_per_core) == (16, 32, 2)
    assert all(core.cpus == (n, n + 16) for n, core in enumerate(topo.cores))
    assert {k: _cpuset(v) for k, v in topo.l3_domains.items()} == {0: "0-7,16-23", 1: "8-15,24-31"}
    assert list(topo.numa_nodes) == [0]
    assert {c.package for c in topo.cores} == {0}
    assert topo.memory_bytes == 192 * GIB


def test_epyc_two_sockets():
    topo = read_sysfs(SYSFS / "epyc-2s-64c")
    assert (len(topo.cores), topo.logical_cpus, topo.threads_per_core) == (64, 128, 2)
    assert all(core.cpus == (n, n + 64) for n, core in enumerate(topo.cores))
    l3 = topo.l3_domains
    assert len(l3) == 8 and all(len(cores) == 8 for cores in l3.values())
    assert _cpuset(l3[0]) == "0-7,64-71" and _cpuset(l3[7]) == "56-63,120-127"
    assert {k: _cpuset(v) for k, v in topo.numa_nodes.items()} == {0: "0-31,64-95", 1: "32-63,96-127"}
    # every CCD lies inside one NUMA node and one package
    for cores in l3.values():
        assert len({c.numa for c in cores}) == 1 and len({c.package for c in cores}) == 1
    assert {c.package for c in topo.cores} == {0, 1}
    assert topo.memory_bytes == 512 * GIB


def test_laptop_without_smt():
    topo = read_sysfs(SYSFS / "laptop-4c")
    assert (len(topo.cores), topo.logical_cpus, topo.threads_per_core) == (4, 4, 1)
    assert [c.cpus for c in topo.cores] == [(0,), (1,), (2,), (3,)]
    assert len(topo.l3_domains) == 1 and len(topo.numa_nodes) == 1
    assert topo.memory_bytes == 16 * GIB
    assert "4 cores / 4 threads" in topo.summary()


def test_recorded_h100_host(h100_discovery):
    """The sysfs copy taken on the H100 host reads back as the topology recorded there."""
    topo = read_sysfs(SYSFS / "h100-vm")
    cpu = h100_discovery["cpu"]
    assert topo.summary() == cpu["summary"]
    assert topo.memory_bytes == cpu["memory_bytes"]
    assert [[c.first_cpu, list(c.cpus), c.l3, c.numa, c.package] for c in topo.cores] == cpu["cores"]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("ryzen-9950x", dict(physical_cores=16, threads_per_core=2, l3_domains=2)),
        ("epyc-2s-64c", dict(physical_cores=64, threads_per_core=2, sockets=2, l3_domains=8, numa_nodes=2)),
        ("laptop-4c", dict(physical_cores=4, threads_per_core=1)),
    ],
)
def test_declared_profile_matches_sysfs(name, kwargs):
    """A declared CpuProfile yields the same cores, L3 and NUMA domains as Linux reports for that CPU."""
    assert synthesize(model="x", **kwargs).cores == read_sysfs(SYSFS / name).cores


def test_missing_l3_falls_back_to_package(tmp_path):
    """Some VMs expose no L3 cache: each package then counts as one domain."""
    cpu = tmp_path / "sys/devices/system/cpu"
    (cpu).mkdir(parents=True)
    (cpu / "online").write_text("0-1\n")
    for n in (0, 1):
        topo = cpu / f"cpu{n}/topology"
        topo.mkdir(parents=True)
        (topo / "physical_package_id").write_text("0\n")
        (topo / "core_id").write_text(f"{n}\n")
        (topo / "thread_siblings_list").write_text(f"{n}\n")
    result = read_sysfs(tmp_path)
    assert len(result.cores) == 2 and list(result.l3_domains) == [0]
    assert result.model == "unknown CPU" and result.memory_bytes == 0


@pytest.mark.parametrize(
    "text, cpus",
    [("0-3,8,10-11\n", [0, 1, 2, 3, 8, 10, 11]), ("5", [5]), ("", []), ("0-1,16-17", [0, 1, 16, 17])],
)
def test_cpu_list_round_trip(text, cpus):
    assert parse_cpu_list(text) == cpus
    assert parse_cpu_list(format_cpu_list(cpus)) == cpus


def test_format_cpu_list_collapses_ranges():
    assert format_cpu_list([17, 0, 1, 2, 16, 2]) == "0-2,16-17"
    assert format_cpu_list([]) == ""


def test_committed_fixture_trees_match_their_generator(tmp_path):
    """tests/fixtures/sysfs/<name> is what make_sysfs.py writes (run it after changing a machine there)."""
    import make_sysfs

    for machine in make_sysfs.MACHINES:
        make_sysfs.generate(machine, tmp_path / machine.name)
        fresh = {p.relative_to(tmp_path / machine.name): p.read_text() for p in (tmp_path / machine.name).rglob("*") if p.is_file()}
        committed_root = SYSFS / machine.name
        committed = {p.relative_to(committed_root): p.read_text() for p in committed_root.rglob("*") if p.is_file()}
        assert fresh == committed, f"tests/fixtures/sysfs/{machine.name} is stale: run python tests/fixtures/make_sysfs.py"
