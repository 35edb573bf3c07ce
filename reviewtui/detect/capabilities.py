"""The judgement of added and dropped capabilities (CIS 5.4), shared by every target kind.

Compose services, live containers and swarm services name their capability lists
differently and cite them differently; what makes a set of changes safe is the same, so
it is decided here once. The detectors word the reason and pick the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from reviewtui.model import Status

T = TypeVar("T")

# Capabilities a target may add back after dropping ALL without it being remarkable:
# the engine's defaults, less NET_RAW (forged packets) and MKNOD (device nodes).
COMMON_CAPS = frozenset(
    """CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP SETFCAP NET_BIND_SERVICE
    SYS_CHROOT AUDIT_WRITE""".split()
)
# Capabilities that amount to root on the host, or reach past the container, with what
# each allows; the most dangerous come first, so a reason names the worst one.
DANGEROUS_CAPS = {
    "ALL": "is every capability at once",
    "SYS_ADMIN": "allows mounts and namespace changes, close to root on the host",
    "SYS_MODULE": "loads modules into the host's kernel",
    "SYS_RAWIO": "gives raw access to memory and I/O ports",
    "NET_ADMIN": "reconfigures interfaces, routes and firewall rules",
    "BPF": "loads BPF programs into the host's kernel",
    "SYS_BOOT": "can reboot the host",
    "PERFMON": "observes every process of the host through perf events",
    "SYS_TIME": "sets the host's clock, for every container",
    "SYS_NICE": "schedules in real time ahead of every host process",
    "IPC_LOCK": "locks host memory that cannot be reclaimed",
    "LEASE": "takes leases that stall the host's access to mounted files",
    "SYSLOG": "reads the host's kernel log",
    "SYS_PTRACE": "traces other processes and reads their memory",
    "DAC_READ_SEARCH": "bypasses read permissions and opens host files by handle",
    "MAC_ADMIN": "changes the AppArmor or SELinux policy",
    "MAC_OVERRIDE": "bypasses the AppArmor or SELinux policy",
    "LINUX_IMMUTABLE": "clears immutable and append-only flags",
    "AUDIT_CONTROL": "changes the host's audit rules",
    "SYS_RESOURCE": "overrides resource limits",
    "CHECKPOINT_RESTORE": "checkpoints and restores other processes",
}


class CapabilityOutcome(Enum):
    """Which rule settled a verdict, in the order the rules are tried."""

    PRIVILEGED = "privileged"
    """Privileged: every capability is held whatever the lists say."""
    DANGEROUS = "dangerous"
    """A capability of ``DANGEROUS_CAPS`` is added."""
    KEEPS_DEFAULTS = "keeps defaults"
    """The drop list has no ALL, so the engine's defaults (NET_RAW among them) stay."""
    UNUSUAL = "unusual"
    """ALL is dropped, but something outside ``COMMON_CAPS`` is added back."""
    DROPS_ALL = "drops all"
    """ALL is dropped and at most common capabilities are added back."""


@dataclass(frozen=True)
class CapabilityVerdict(Generic[T]):
    """The answer for one target, with what its reason names and its evidence cites."""

    status: Status
    """FAIL for every outcome but ``DROPS_ALL``, which passes."""
    outcome: CapabilityOutcome
    """The rule that settled it."""
    names: tuple[str, ...]
    """The capabilities the reason names: the dangerous ones added (worst first, each
    once), the unusual ones added back (as listed), the ones added back after ALL (sorted,
    each once), or for ``KEEPS_DEFAULTS`` the ones dropped (as listed); none when
    privileged."""
    cited: tuple[T, ...]
    """The entries to cite: the dangerous or unusual entries of the add list, or the ALL
    entry of the drop list; none when privileged or keeping the defaults, where the
    whole field is the evidence."""


def judge_capabilities(
    added: list[tuple[str, T]], dropped: list[tuple[str, T]], *, privileged: bool = False
) -> CapabilityVerdict[T]:
    """Judge a target's capability changes (CIS 5.4): it passes only when it drops ALL and
    adds back nothing outside ``COMMON_CAPS``.

    ``added`` and ``dropped`` hold (name, entry) pairs: the name upper case without
    ``CAP_``, the entry whatever the caller cites it by (an index, the raw value).
    """
    if privileged:
        return CapabilityVerdict(Status.FAIL, CapabilityOutcome.PRIVILEGED, (), ())

    dangerous = [(name, entry) for name, entry in added if name in DANGEROUS_CAPS]
    if dangerous:
        ordered = sorted({name for name, _ in dangerous}, key=list(DANGEROUS_CAPS).index)
        return CapabilityVerdict(
            Status.FAIL,
            CapabilityOutcome.DANGEROUS,
            tuple(ordered),
            tuple(entry for _, entry in dangerous),
        )

    drop_all = next(((name, entry) for name, entry in dropped if name == "ALL"), None)
    if drop_all is None:
        return CapabilityVerdict(
            Status.FAIL,
            CapabilityOutcome.KEEPS_DEFAULTS,
            tuple(name for name, _ in dropped),
            (),
        )

    unusual = [(name, entry) for name, entry in added if name not in COMMON_CAPS]
    if unusual:
        return CapabilityVerdict(
            Status.FAIL,
            CapabilityOutcome.UNUSUAL,
            tuple(name for name, _ in unusual),
            tuple(entry for _, entry in unusual),
        )

    kept = sorted({name for name, _ in added})
    return CapabilityVerdict(Status.PASS, CapabilityOutcome.DROPS_ALL, tuple(kept), (drop_all[1],))
