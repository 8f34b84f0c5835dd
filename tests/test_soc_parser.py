"""DS3 formats: every shipped file reads to its documented counts, hand-checked values of the
canonical profile, DS3's bandwidth expansion, one test per malformed input (file, line and
message), run configs and the named workloads."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from schedrl.envs.soc import workloads
from schedrl.envs.soc.instance import UNSUPPORTED
from schedrl.envs.soc.parser import (
    parse_application,
    parse_platform,
    read_application,
    read_ds3_config,
    read_platform,
)
from schedrl.envs.soc.workloads import WORKLOADS, Workload, ds3_folder, load_workload, package_folder
from schedrl.errors import ConfigError, InstanceFormatError, UnknownNameError

INITIAL = "ds3_2020-01_initial"
CURRENT_JOBS = "ds3_current/config_Jobs"
CURRENT_SOC = "ds3_current/config_SoC"


@pytest.fixture(scope="module")
def ds3() -> Path:
    try:
        return ds3_folder()
    except ConfigError:
        pytest.skip("the DS3 data folder (data/ds3) is missing")


# ----------------------------------------------------------------------------- real files

# (file, job name, tasks, edges)
JOBS = [
    (f"{INITIAL}/job_WIFI_5TXM.txt", "WiFi_Transmitter", 27, 30),
    (f"{INITIAL}/job_WIFI_5RXM.txt", "WiFi_Receiver", 34, 37),
    (f"{INITIAL}/job_LAG.txt", "lag_detection", 7, 7),
    (f"{INITIAL}/job_SCT.txt", "SC-T", 8, 7),
    (f"{INITIAL}/job_SCR.txt", "SC-R", 8, 7),
    (f"{INITIAL}/job_PULSE_64.txt", "pulse_doppler", 451, 640),
    (f"{CURRENT_JOBS}/job_WIFI_5TXM.txt", "WiFi_Transmitter", 27, 30),
    (f"{CURRENT_JOBS}/job_WIFI_5RXM.txt", "WiFi_Receiver", 34, 37),
    (f"{CURRENT_JOBS}/job_LAG.txt", "lag_detection", 7, 7),
    (f"{CURRENT_JOBS}/job_SCT.txt", "SC-T", 8, 7),
    (f"{CURRENT_JOBS}/job_SCR.txt", "SC-R", 8, 7),
    (f"{CURRENT_JOBS}/job_TEMP_MIT.txt", "Temporal_Mitigation", 10, 12),
    (f"{CURRENT_JOBS}/job_Top.txt", "Top", 10, 15),
]

# (file, PEs, PE types)
SOCS = [
    (f"{INITIAL}/DASH.SoC.BAL_only.txt", 8, ("A7", "A15")),
    (f"{INITIAL}/DASH.SoC.MULTIPLE_BAL.txt", 16,
     ("A7", "A15", "SCE_0", "SCE_1", "FFT_0", "FFT_1", "FFT_2", "FFT_3", "VIT_0", "VIT_1")),
    (f"{CURRENT_SOC}/SoC.BAL_only.txt", 8, ("A7", "A15")),
    (f"{CURRENT_SOC}/SoC.MULTIPLE_BAL.txt", 16, ("A7", "A15", "MM", "FFT", "VIT")),
    (f"{CURRENT_SOC}/SoC.MULTIPLE_BAL_NoC.txt", 16, ("A7", "A15", "MM", "FFT", "VIT")),  # 4 caches dropped
    (f"{CURRENT_SOC}/SoC.Top.txt", 3, ("P1", "P2", "P3")),
]  # fmt: skip


@pytest.mark.parametrize(("file", "name", "tasks", "edges"), JOBS, ids=[j[0] for j in JOBS])
def test_ds3_job_files_read(ds3: Path, file: str, name: str, tasks: int, edges: int) -> None:
    app = read_application(ds3 / file)
    assert (app.name, app.num_tasks, len(app.edges)) == (name, tasks, edges)


@pytest.mark.parametrize(("file", "pes", "types"), SOCS, ids=[s[0] for s in SOCS])
def test_ds3_soc_files_read(ds3: Path, file: str, pes: int, types: tuple[str, ...]) -> None:
    platform = read_platform(ds3 / file)
    assert (platform.num_pes, platform.type_names) == (pes, types)


def test_bundled_socrates_files_read() -> None:
    for path in sorted((package_folder() / "socrates").glob("job_Top*.txt")):
        app = read_application(path)
        assert app.num_tasks == 10 and 12 <= len(app.edges) <= 15, path.name
    assert read_platform(package_folder() / "socrates" / "DASH.SoC.Top.txt").pe_names == ("P1", "P2", "P3")


UPSTREAM_SHA256 = {  # first 16 hex digits: the copies are verbatim
    "socrates/DASH.SoC.Top.txt": "6f1e9541c4fda728",
    "socrates/job_Top.txt": "a2b149ce31225809",
    f"{INITIAL}/DASH.SoC.MULTIPLE_BAL.txt": "711cac744eebbd17",
    f"{INITIAL}/job_WIFI_5TXM.txt": "82a53d5a3a84177f",
    f"{INITIAL}/job_PULSE_64.txt": "e14cac453409772a",
    f"{CURRENT_SOC}/SoC.MULTIPLE_BAL.txt": "9ca6dc28c3a7d9ff",
    f"{CURRENT_JOBS}/job_TEMP_MIT.txt": "2e5caaa718ad0ec3",
    "ds3_current/config_Files/config_file.ini": "58896af68824c226",
}


def test_data_files_are_the_upstream_bytes(ds3: Path) -> None:
    for file, digest in UPSTREAM_SHA256.items():
        path = package_folder() / file if file.startswith("socrates") else ds3 / file
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:16] == digest, file


# ----------------------------------------------------------------------------- hand-checked values


def test_canonical_profile_is_the_heft_papers() -> None:
    platform, (app,), probabilities = load_workload("canonical")
    assert (platform.num_pes, app.num_tasks, len(app.edges), probabilities) == (3, 10, 15, (1.0,))
    assert app.task_types[0] == "task_1" and platform.exec_table["task_1"] == (14, 16, 9)
    assert platform.exec_table["task_10"] == (21, 7, 16)
    assert app.edges[0] == (0, 1, 18)
    assert dict(app.predecessors[7]) == {1: 19, 3: 27, 5: 15}  # task_8 <- task_2, task_4, task_6
    assert [platform.comm_time(27, p, q) for p, q in ((0, 1), (2, 0), (1, 2))] == [27, 27, 27]  # volume = cost
    assert [platform.comm_time(27, p, p) for p in range(3)] == [0, 0, 0]


def test_canonical_and_socrates_hold_ds3s_numbers(ds3: Path) -> None:
    """Our canonical files and SoCRATES' give the costs and edges of DS3's job_Top / SoC.Top."""
    top_soc, top_job = (
        read_platform(ds3 / CURRENT_SOC / "SoC.Top.txt"),
        read_application(ds3 / CURRENT_JOBS / "job_Top.txt"),
    )
    for name in ("canonical", "socrates"):
        platform, (app,), _ = load_workload(name)
        assert platform.exec_table == top_soc.exec_table, name
        assert (app.task_types, app.edges) == (top_job.task_types, top_job.edges), name
        assert np.array_equal(np.asarray(platform.bandwidth) == 1, np.asarray(top_soc.bandwidth) == 1), name


def test_initial_multiple_bal_bandwidths_and_times(ds3: Path) -> None:
    platform = read_platform(ds3 / INITIAL / "DASH.SoC.MULTIPLE_BAL.txt")
    a7, fft, vit = platform.pe_names.index("A7_0"), platform.pe_names.index("FFT_0"), platform.pe_names.index("VIT_0")
    assert platform.bandwidth[a7][a7] == 10000 and platform.bandwidth[a7][a7 + 1] == 1000
    assert platform.bandwidth[a7][fft] == platform.bandwidth[fft][a7] == 10
    assert platform.exec_table["scrambler_encoder"][:2] == (22, 10)
    times = platform.pe_times("viterbi_decoder")
    assert (times[a7], times[vit], times[fft]) == (1828, 2, UNSUPPORTED)  # the A7's first listing counts


# ----------------------------------------------------------------------------- DS3's bandwidth expansion

TINY_SOC = """\
add_new_resource resource_type BIG resource_name A15 resource_ID 0 capacity 2 num_supported_functionalities 2 DVFS_mode performance
opp 1000 900
trip_freq -1 -1 -1
power_profile 1000 0.1 0.2
PG_profile 1000 0.1 0.2
fft 10
mul 20.5
add_new_resource resource_type ACC resource_name FFT resource_ID 1 capacity 1 num_supported_functionalities 2 DVFS_mode performance
fft 3 3
fft 4
add_new_resource resource_type MEM resource_name MEMORY resource_ID 2 capacity 1 num_supported_functionalities 1 DVFS_mode none
None 0
comm_band_self 500
comm_band 0 0 40
comm_band 0 1 7
comm_band 0 2 0
comm_band 2 2 0
"""  # noqa: E501


def test_current_format_expands_bandwidth_per_core_pair() -> None:
    platform = parse_platform(TINY_SOC, "tiny.txt")
    assert platform.name == "tiny" and platform.pe_names == ("A15_0", "A15_1", "FFT")
    assert platform.pe_type == (0, 0, 1) and platform.type_names == ("A15", "FFT")
    # distinct A15 cores 40, a core with itself comm_band_self, FFT has no `comm_band 1 1`: self stays 1
    assert platform.bandwidth == ((500, 40, 7), (40, 500, 7), (7, 7, 1))
    # 20.5 rounds half to even; a repeated task keeps its first time; MEM's `None` is dropped
    assert platform.exec_table == {"fft": (10, 3), "mul": (20, UNSUPPORTED)}


def test_comm_band_self_applies_only_to_later_lines() -> None:
    text = TINY_SOC.replace("comm_band_self 500\ncomm_band 0 0 40\n", "comm_band 0 0 40\ncomm_band_self 500\n")
    assert parse_platform(text, "tiny.txt").bandwidth[0][:2] == (1, 40)


def test_positional_format_indexes_cores() -> None:
    text = """\
add_new_resource BIG A15 0 2 1 performance
fft 10 2.5
add_new_resource MEM MEMORY 1 1 1 none
None 0 0
comm_band 0 0 100
comm_band 0 1 9
comm_band 1 2 0
"""
    platform = parse_platform(text, "old.txt")
    assert platform.bandwidth == ((100, 9), (9, 1)) and platform.exec_table == {"fft": (10,)}


# ----------------------------------------------------------------------------- malformed job files

TINY_JOB = """\
job_name tiny
add_new_tasks 3
a 0
a HEAD
a earliest_start 0 deadline 5
b 1 0
c 2 0 1
c TAIL
comm_vol 0 1 5
comm_vol 1 2 7
"""


def _edit(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1 : line] = new.splitlines()
    return "\n".join(lines) + "\n"


def test_tiny_job_reads() -> None:
    app = parse_application(TINY_JOB, "tiny_job.txt")
    assert app.task_types == ("a", "b", "c")
    assert app.edges == ((0, 1, 5), (0, 2, 0), (1, 2, 7))  # 0 -> 2 has no comm_vol: volume 0, as in DS3


JOB_ERRORS = [
    (1, "# no name", 2, r"expected a `job_name NAME` line before add_new_tasks"),
    (1, "job_name", 1, r"expected `job_name NAME`"),
    (3, "add_new_tasks 3", 3, r"add_new_tasks is given twice \(first on line 2\)"),
    (2, "b 1 0", 2, r"expected `job_name NAME` then `add_new_tasks N`"),
    (2, "add_new_tasks 0", 2, r"add_new_tasks: expected an integer >= 1, got 0"),
    (3, "a x", 3, r"task 'a': id: expected an integer, got 'x'"),
    (3, "a 3", 3, r"task 'a': id 3 is outside 0\.\.2"),
    (6, "b 0 0", 6, r"task id 0 is given twice \(also to task 'a'\)"),
    (6, "b 1 4", 6, r"task 'b': predecessor 4 is outside 0\.\.2"),
    (6, "b 1 1", 6, r"task 'b' \(id 1\) lists itself as a predecessor"),
    (7, "c 2 0 0", 7, r"task 'c': predecessor 0 is listed twice"),
    (7, "c 2 0 1\nd 2 0", 8, r"a task beyond the 3 that `add_new_tasks` \(line 2\) declares"),
    (2, "add_new_tasks 4", 9, r"comm_vol before all 4 tasks are given \(3 so far\)"),
    (4, "b HEAD", 4, r"`b HEAD` must follow the task line it describes; it follows task 'a' \(id 0\)"),
    (5, "a earliest_start 0 due 5", 5, r"expected `name earliest_start E deadline D"),
    (5, "a earliest_start 0 deadline soon", 5, r"deadline: expected an integer, got 'soon'"),
    (9, "comm_vol 1 0 5", 9, r"comm_vol 1 0: task 0 does not list task 1 as a predecessor \(no such edge\)"),
    (10, "comm_vol 0 1 3", 10, r"comm_vol 0 1 is given twice"),
    (10, "comm_vol 1 2 2.5", 10, r"comm_vol volume: expected an integer, got '2.5'"),
    (10, "comm_vol 1 2", 10, r"expected `comm_vol source_id destination_id volume`"),
    (10, "d 3", 10, r"expected a `comm_vol` line after the first one"),
]


@pytest.mark.parametrize(("line", "new", "at", "message"), JOB_ERRORS)
def test_malformed_job_names_file_and_line(line: int, new: str, at: int, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^bad_job\.txt, line {at}: {message}") as error:
        parse_application(_edit(TINY_JOB, line, new), "bad_job.txt")
    assert (error.value.source, error.value.line) == ("bad_job.txt", at)


def test_job_file_errors_without_a_line() -> None:
    with pytest.raises(
        InstanceFormatError, match=r"^j\.txt, line 2: add_new_tasks 4 declares 4 tasks, the file gives 3"
    ):
        parse_application(_edit(TINY_JOB, 2, "add_new_tasks 4").split("comm_vol")[0], "j.txt")
    with pytest.raises(InstanceFormatError, match=r"^j\.txt: no `add_new_tasks N` line"):
        parse_application("# empty\n", "j.txt")
    with pytest.raises(InstanceFormatError, match=r"^j\.txt: application 'tiny': the precedence edges form a cycle"):
        parse_application(_edit(TINY_JOB, 3, "a 0 2").split("comm_vol")[0], "j.txt")


def test_unreadable_files_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^{re.escape(str(tmp_path / 'none.txt'))}: no such file"):
        read_application(tmp_path / "none.txt")
    with pytest.raises(InstanceFormatError, match=rf"^{re.escape(str(tmp_path))}: is a folder, not a file"):
        read_platform(tmp_path)
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InstanceFormatError, match="UTF-8 decoding failed"):
        read_platform(tmp_path / "bin.txt")


# ----------------------------------------------------------------------------- malformed SoC files

RESOURCE_1 = "add_new_resource resource_type ACC resource_name {name} resource_ID {id} capacity 1 num_supported_functionalities 2 DVFS_mode performance"  # noqa: E501

SOC_ERRORS = [
    (1, "fft 3", 1, r"expected `add_new_resource \.\.\.` first, got `fft 3`"),
    (8, "add_new_resource ACC FFT 1 1 2 performance", 8, r"this add_new_resource line mixes formats"),
    (1, TINY_SOC.splitlines()[0].replace("resource_name", "resource_nam"), 1,
     r"expected `add_new_resource resource_type VALUE.*got 'resource_nam' where 'resource_name'"),
    (8, RESOURCE_1.format(name="FFT", id=5), 8, r"expected resource ID 1, got 5: DS3 numbers resources 0, 1, \.\.\."),
    (8, RESOURCE_1.format(name="A15", id=1), 8, r"resource name 'A15' is used twice"),
    (8, RESOURCE_1.format(name="A15_0", id=1), 1, r"PE name 'A15_0' of resource 'A15' is taken twice"),
    (1, TINY_SOC.splitlines()[0].replace("capacity 2", "capacity 0"), 1,
     r"resource 'A15': capacity: expected an integer >= 1"),
    (1, TINY_SOC.splitlines()[0].replace("functionalities 2", "functionalities 3"), 1,
     r"resource 'A15' declares num_supported_functionalities 3 but lists 2 task lines"),
    (6, "fft -1", 6, r"resource 'A15', task 'fft': negative execution time -1"),
    (6, "fft ten", 6, r"resource 'A15', task 'fft': expected a number, got 'ten'"),
    (6, "fft", 6, r"resource 'A15': expected `task_name exec_time_us \[\.\.\.\]`"),
    (2, "opp 1000", 2, r"expected `opp FREQUENCY_MHZ VOLTAGE_MV`"),
    (3, "trip_freq -1 fast", 3, r"trip_freq frequency: expected an integer, got 'fast'"),
    (4, "power_profile 1000", 4, r"expected `power_profile FREQUENCY P1"),
    (17, "comm_band 2 2 0\nadd_new_resource resource_type ACC resource_name X resource_ID 3 capacity 1 "
     "num_supported_functionalities 1 DVFS_mode none", 18, r"add_new_resource after comm_band lines"),
    (17, "comm_band 2 2 0\nfft 3", 18, r"expected `comm_band` or `comm_band_self` after the first comm_band line"),
    (15, "comm_band 0 9 7", 15, r"comm_band names resource 9; resources are 0\.\.2"),
    (15, "comm_band 0 1 0", 15, r"sets the bandwidth of a core pair to 0 \(it\); bandwidths must be positive"),
    (13, "comm_band_self 0", 14,
     r"sets the bandwidth of a core pair to 0 \(comm_band_self 0 \(line 13\)\); bandwidths must be positive"),
    (15, "comm_band 0 1", 15, r"expected `comm_band SOURCE DESTINATION BANDWIDTH`"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "new", "at", "message"), SOC_ERRORS)
def test_malformed_soc_names_file_and_line(line: int, new: str, at: int, message: str) -> None:
    with pytest.raises(InstanceFormatError, match=rf"^bad_soc\.txt, line {at}: {message}") as error:
        parse_platform(_edit(TINY_SOC, line, new), "bad_soc.txt")
    assert error.value.line == at


def test_positional_soc_errors() -> None:
    text = "add_new_resource BIG A15 0 2 1 performance\nfft 10\n"
    with pytest.raises(InstanceFormatError, match=r"^s, line 3: comm_band names core 5; this SoC has cores 0\.\.1"):
        parse_platform(text + "comm_band 0 5 9\n", "s")
    with pytest.raises(InstanceFormatError, match=r"^s, line 3: comm_band_self belongs to DS3's current format"):
        parse_platform(text + "comm_band_self 9\n", "s")
    with pytest.raises(InstanceFormatError, match=r"^s, line 1: expected `add_new_resource TYPE NAME ID CAPACITY"):
        parse_platform("add_new_resource BIG A15 0 2 1\n", "s")
    with pytest.raises(InstanceFormatError, match=r"^s: platform 's': no processing elements"):
        parse_platform("add_new_resource MEM M 0 1 1 none\nNone 0\n", "s")
    with pytest.raises(InstanceFormatError, match=r"^s: no `add_new_resource` line"):
        parse_platform("\n# nothing\n", "s")


# ----------------------------------------------------------------------------- run configs

INI = """\
[DEFAULT]
resource_file = soc_canonical.txt
job_file = job_canonical.txt
job_probabilities = [1]
job_list = []
inject_fixed_num_jobs = yes
max_jobs = 5
max_jobs_in_parallel = 3
random_seed = 7
standard_deviation = 0.1
fixed_injection_rate = no
inject_jobs_asap = no

[SIMULATION MODE]
simulation_mode = performance
scale = 100
warmup_period = 0
scale_values = 250-251-1
"""


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    """A DS3 layout: config_Files/run.ini beside config_SoC/ and config_Jobs/."""
    for folder, file in (("config_SoC", "soc_canonical.txt"), ("config_Jobs", "job_canonical.txt")):
        (tmp_path / folder).mkdir()
        shutil.copy(package_folder() / "canonical" / file, tmp_path / folder / file)
    (tmp_path / "config_Files").mkdir()
    path = tmp_path / "config_Files" / "run.ini"
    path.write_text(INI)
    return path


def test_config_maps_to_an_instance(ini: Path) -> None:
    instance = read_ds3_config(ini)
    assert (instance.name, instance.num_jobs, instance.scale, instance.max_jobs_in_parallel) == ("run", 5, 250.0, 3)
    assert (instance.seed, instance.noise, instance.warmup_jobs, instance.probabilities) == (7, 0.1, 0, (1.0,))
    assert instance.platform.num_pes == 3 and instance.applications[0].name == "canonical"
    ini.write_text(
        INI.replace("performance", "validation").replace("inject_fixed_num_jobs = yes", "inject_fixed_num_jobs = no")
    )
    assert read_ds3_config(ini).scale == 100.0 and read_ds3_config(ini).num_jobs == 5  # validation: `scale`, max_jobs


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("resource_file = soc_canonical.txt\n", "", r"\[DEFAULT\] resource_file: missing"),
        ("job_file = job_canonical.txt", "task_file = job_canonical.txt", r"`task_file` is DS3's 2020-01 layout"),
        (
            "job_file = job_canonical.txt",
            "job_file = job_none.txt",
            r"job_file: file 'job_none.txt' not found; looked in",
        ),
        ("[1]", "[0.5, 0.5]", r"job_probabilities: 2 probabilities for 1 job files"),
        ("[1]", "[0.9]", r"job_probabilities: expected numbers >= 0 that sum to 1, got \[0.9\]"),
        ("job_list = []", "job_list = [[1]]", r"job_list: DS3's job snippets are not supported"),
        ("fixed_injection_rate = no", "fixed_injection_rate = yes", r"fixed_injection_rate: not supported"),
        ("inject_jobs_asap = no", "inject_jobs_asap = maybe", r"inject_jobs_asap: expected yes or no, got 'maybe'"),
        ("max_jobs = 5", "max_jobs = many", r"\[DEFAULT\] max_jobs: expected an integer >= 1, got 'many'"),
        ("warmup_period = 0", "warmup_period = 1000", r"warmup_period: 1000 µs: .*pass warmup_jobs="),
        ("inject_fixed_num_jobs = yes", "inject_fixed_num_jobs = no", r"inject_fixed_num_jobs: no: .*pass num_jobs="),
        ("250-251-1", "100-300-100", r"scale_values: DS3's performance mode sweeps \[100, 200\]; .*pass scale="),
        (
            "simulation_mode = performance",
            "simulation_mode = fast",
            r"simulation_mode: expected validation or performance",
        ),
        ("[SIMULATION MODE]", "[SIMULATION]", r"no \[SIMULATION MODE\] section"),
        ("standard_deviation = 0.1", "standard_deviation = 2", r"noise .* must be a number in \[0, 1\), got 2.0"),
    ],
)
def test_config_errors_name_file_section_and_key(ini: Path, old: str, new: str, message: str) -> None:
    ini.write_text(INI.replace(old, new))
    with pytest.raises((ConfigError, InstanceFormatError), match=rf"^{re.escape(str(ini))}.*{message}"):
        read_ds3_config(ini)


def test_config_overrides_and_syntax(ini: Path) -> None:
    ini.write_text(INI.replace("warmup_period = 0", "warmup_period = 1000").replace("250-251-1", "100-300-100"))
    instance = read_ds3_config(ini, warmup_jobs=2, scale=50.0)
    assert (instance.num_jobs, instance.warmup_jobs, instance.scale) == (7, 2, 50.0)  # max_jobs counts after warm-up
    assert read_ds3_config(ini, num_jobs=9, warmup_jobs=0, scale=50.0).num_jobs == 9
    ini.write_text("resource_file = x\n")
    with pytest.raises(InstanceFormatError, match=rf"^{re.escape(str(ini))}, line 1: not a valid \.ini file"):
        read_ds3_config(ini)


def test_ds3_configs_read(ds3: Path) -> None:
    configs = ds3 / "ds3_current" / "config_Files"
    mix = read_ds3_config(configs / "config_file.ini")
    assert (mix.num_jobs, mix.scale, mix.max_jobs_in_parallel, mix.seed) == (
        100,
        500.0,
        12,
        1,
    )  # scale_values 500-501-1
    platform, applications, probabilities = load_workload("ds3_mix")
    assert mix.probabilities == probabilities
    assert [a.name for a in mix.applications] == [a.name for a in applications]
    assert mix.platform.bandwidth == platform.bandwidth and mix.platform.exec_table == platform.exec_table
    first = read_ds3_config(configs / "config_file_first_example.ini")
    assert (first.num_jobs, first.scale, first.platform.num_pes, first.applications[0].name) == (1, 100.0, 3, "Top")
    with pytest.raises(ConfigError, match=r"warmup_period: 10000 µs"):
        read_ds3_config(configs / "config_file_scheduling.ini")


# ----------------------------------------------------------------------------- named workloads

SIZES = {  # PEs, tasks per application
    "canonical": (3, [10]),
    "socrates": (3, [10]),
    "wifi": (16, [27, 34]),
    "pulse_doppler": (16, [451]),
    "ds3_mix": (16, [27, 34, 7, 8, 8, 10]),
    "range_detection": (16, [7]),
    "single_carrier": (16, [8, 8]),
    "temporal_mitigation": (16, [10]),
}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_every_workload_loads(name: str) -> None:
    workload = WORKLOADS[name]
    if workload.source == "ds3":
        try:
            ds3_folder()
        except ConfigError:
            pytest.skip("the DS3 data folder (data/ds3) is missing")
    platform, applications, probabilities = load_workload(name)
    assert (platform.num_pes, [a.num_tasks for a in applications]) == SIZES[name]
    assert probabilities == workload.probabilities and abs(sum(probabilities) - 1.0) < 1e-9
    for app in applications:
        assert set(app.task_types) <= set(platform.exec_table)


def test_workload_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnknownNameError, match=r"unknown SoC workload 'wfi'\. Did you mean 'wifi'"):
        load_workload("wfi")
    monkeypatch.setenv(workloads.DS3_ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(
        ConfigError, match=r"no DS3 data folder at SCHEDRL_DS3_DATA=.*nowhere\. The DS3 files are GPL-3\.0"
    ):
        ds3_folder()
    monkeypatch.setenv(workloads.DS3_ENV_VAR, str(tmp_path))
    assert ds3_folder() == tmp_path
    (tmp_path / "job.txt").write_text("job_name j\nadd_new_tasks 1\nunknown_task 0\n")
    monkeypatch.setattr(workloads, "package_folder", lambda: tmp_path)
    shutil.copy(package_folder() / "canonical" / "soc_canonical.txt", tmp_path / "soc.txt")
    monkeypatch.setitem(
        WORKLOADS, "test_mismatch", Workload("test_mismatch", "", "soc.txt", ("job.txt",), (1.0,), "package")
    )
    with pytest.raises(
        InstanceFormatError, match=r"^job\.txt: workload 'test_mismatch': soc\.txt lists no execution time"
    ):
        load_workload("test_mismatch")
