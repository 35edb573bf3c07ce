"""What keeps a scan of a big tree fast, linear and lean changes no result.

The readers give the same facts with libyaml as with ruamel.yaml alone (every detector
fixture project and the demo, findings compared whole, lines included); a finding's
hand-written encoding is the generic encoder's text; the detection engine leaves no
object frozen for the garbage collector and no path cached, even when a detector fails;
lookups by path see files added later; an unsaved review's digest keeps no second copy
of its findings and equals the digest a save computes; findings about one compose
service share its target and evidence; reading and judging the Dockerfiles a batch at a
time gives the findings, problems and waivers of reading them all first, reads those
compose builds first and keeps them only while the services are judged, and fails a
broken detector's item as before; what the Dockerfile detectors derive from the whole
project is made once for all the batches; compose files share the strings they repeat;
the progress of reading and checking them moves only forward; a report shows the
session's own item states.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import shutil
import weakref
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_profile import fuzz

from reviewtui import fast_yaml
from reviewtui import model as core_model
from reviewtui.checklists import Catalogue, load_catalogue
from reviewtui.detect import compose_checks, dockerfile_checks, engine
from reviewtui.detect.dockerfile_checks import context, secret_files
from reviewtui.detect.engine import detect, detect_streaming
from reviewtui.live.facts import EngineFacts
from reviewtui.live.hosts import Endpoint
from reviewtui.model import (
    Evidence,
    Finding,
    FindingEncoder,
    Problem,
    Status,
    Target,
    TargetKind,
)
from reviewtui.project import read_project, read_project_but_dockerfiles
from reviewtui.project.compose import read_compose_projects
from reviewtui.project.dockerfile import Dockerfile, parse_dockerfile
from reviewtui.project.facts import ProjectFacts
from reviewtui.report.summary import report_data
from reviewtui.review import model as review_model
from reviewtui.review.model import canonical_json
from reviewtui.review.session import ReviewSession
from reviewtui.waivers.collect import WaiverCollector, collect_waivers

FIXTURES = Path(__file__).parent / "fixtures"
PROJECTS = sorted(
    [
        *(path for path in (FIXTURES / "detectors").glob("*/*") if path.is_dir()),
        FIXTURES / "projects" / "demo",
    ],
    key=lambda path: path.as_posix(),
)


@cache
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def ruamel_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every YAML text read by ruamel.yaml alone, as before libyaml was used."""
    monkeypatch.setattr(fast_yaml, "CParser", None)
    yield


def _scan(root: Path) -> tuple[dict[str, list[Finding]], list[Problem], list[object]]:
    facts = read_project(root)
    findings = detect(catalogue(), facts)
    waivers, problems = collect_waivers(facts, catalogue())
    return findings, sorted(set(facts.problems) | set(problems), key=str), waivers


def _scan_streaming(
    root: Path,
) -> tuple[dict[str, list[Finding]], list[Problem], list[object]]:
    """:func:`_scan` as a review's scan does it: the Dockerfiles read batch by batch."""
    facts, dockerfiles = read_project_but_dockerfiles(root)
    collector = WaiverCollector(catalogue())
    collector.compose(facts)
    findings = detect_streaming(catalogue(), facts, dockerfiles, collector.dockerfile)
    waivers, problems = collector.finish(facts)
    return findings, sorted(set(facts.problems) | set(problems), key=str), waivers


def _every_fixture(into: Path) -> Path:
    """One tree holding every fixture project in a folder of its own, and one more with
    waivers in its Dockerfiles (one naming an item no checklist holds)."""
    tree = into / "fixtures"
    for project in PROJECTS:
        shutil.copytree(project, tree / project.relative_to(FIXTURES), symlinks=True)
    waived = tree / "waived"
    for name, item in (("api", "build.non-root-user"), ("web", "build.no-such-item")):
        (waived / name).mkdir(parents=True)
        (waived / name / "Dockerfile").write_text(
            f"FROM alpine:3.20\n# reviewtui: ignore={item} binds port 80\nUSER root\n"
        )
    (waived / "compose.yaml").write_text(
        "services:\n"
        "  # reviewtui: ignore=runtime.not-privileged the lab's own machine\n"
        "  web:\n    image: alpine:3.20\n    privileged: true\n"
    )
    return tree


@pytest.mark.parametrize("batch", [1, 3, 500])
def test_judging_dockerfiles_and_compose_projects_batch_by_batch_gives_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    tree = _every_fixture(tmp_path)
    whole = _scan(tree)
    monkeypatch.setattr(engine, "DOCKERFILES_PER_BATCH", batch)
    monkeypatch.setattr(engine, "COMPOSE_PROJECTS_PER_BATCH", batch)
    streamed = _scan_streaming(tree)
    assert list(streamed[0]) == list(whole[0])  # the items in the same order too
    assert streamed == whole
    assert sum(len(found) for found in whole[0].values()) > 1000
    assert len(whole[2]) == 2  # the waivers compared, and the problem of the other one
    assert [p.path for p in whole[1] if "build.no-such-item" in p.reason] == [
        "waived/web/Dockerfile"
    ]
    assert gc.get_freeze_count() == 0


def test_the_dockerfiles_compose_builds_are_read_first_and_kept_only_for_the_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    facts, dockerfiles = read_project_but_dockerfiles(_every_fixture(tmp_path))
    built = [
        rel
        for rel in dockerfiles
        if rel
        in {
            build.dockerfile
            for project in facts.compose_projects
            for service in project.services
            if (build := service.build()) is not None
        }
    ]
    assert built and len(built) < len(dockerfiles)
    seen_by_services: dict[str, list[list[str]]] = {}

    def watched(name: str) -> Callable[[ProjectFacts], list[Finding]]:
        real = compose_checks.DETECTORS[name]

        def detector(facts: ProjectFacts) -> list[Finding]:
            seen = seen_by_services.setdefault(name, [])
            seen.append([dockerfile.path for dockerfile in facts.dockerfiles])
            return real(facts)

        return detector

    for name in ("runtime_user", "privileged"):
        monkeypatch.setitem(compose_checks.DETECTORS, name, watched(name))
    kept: list[weakref.ref[Dockerfile]] = []
    seen: list[str] = []

    def on_dockerfile(dockerfile: Dockerfile) -> None:
        seen.append(dockerfile.path)
        kept.append(weakref.ref(dockerfile))

    detect_streaming(catalogue(), facts, dockerfiles, on_dockerfile)
    assert seen == built + [rel for rel in dockerfiles if rel not in built]
    # Only the items looking into the built Dockerfiles see them: they go before the rest.
    assert "runtime_user" in compose_checks.LOOKING_INTO_DOCKERFILES
    assert seen_by_services == {"runtime_user": [built], "privileged": [[]]}
    assert facts.dockerfiles == []
    with pytest.raises(LookupError):
        facts.dockerfile(built[0])
    gc.collect()
    assert [ref() for ref in kept] == [None] * len(dockerfiles)


def test_each_batch_of_compose_projects_has_just_the_dockerfiles_it_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    (tree / "shared").mkdir(parents=True)
    (tree / "shared" / "Dockerfile").write_text("FROM alpine:3.20\nUSER 10001\n")
    (tree / "solo").mkdir()
    (tree / "solo" / "Dockerfile").write_text("FROM alpine:3.20\n")
    builds = {"a": "../shared", "b": "../solo", "c": "../shared", "d": None}
    for name, build_context in builds.items():
        (tree / name).mkdir()
        service = f"    build: {build_context}\n" if build_context else "    image: alpine:3.20\n"
        (tree / name / "compose.yaml").write_text(f"services:\n  {name}:\n{service}")
    whole = _scan(tree)
    monkeypatch.setattr(engine, "COMPOSE_PROJECTS_PER_BATCH", 1)
    seen: list[list[str]] = []
    real = compose_checks.DETECTORS["runtime_user"]

    def runtime_user(facts: ProjectFacts) -> list[Finding]:
        seen.append([dockerfile.path for dockerfile in facts.dockerfiles])
        return real(facts)

    monkeypatch.setitem(compose_checks.DETECTORS, "runtime_user", runtime_user)
    heard: list[str] = []
    facts, dockerfiles = read_project_but_dockerfiles(tree)
    collector = WaiverCollector(catalogue())
    detect_streaming(
        catalogue(), facts, dockerfiles, lambda d: (heard.append(d.path), collector.dockerfile(d))
    )
    assert seen == [["shared/Dockerfile"], ["solo/Dockerfile"], ["shared/Dockerfile"], []]
    assert heard == ["shared/Dockerfile", "solo/Dockerfile"]  # each read once
    streamed = _scan_streaming(tree)
    assert streamed == whole
    # The services building shared/Dockerfile run as its USER; the one building solo's, as
    # root; the one pulling an image, unknown.
    statuses = {f.target.name: f.status for f in whole[0]["runtime.non-root-user"]}
    assert statuses == {
        "a": Status.PASS,
        "b": Status.FAIL,
        "c": Status.PASS,
        "d": Status.UNKNOWN,
    }


def test_the_compose_projects_go_once_their_items_are_judged_unless_engines_were_read(
    tmp_path: Path,
) -> None:
    tree = _every_fixture(tmp_path)
    facts, dockerfiles = read_project_but_dockerfiles(tree)
    kept = [weakref.ref(project) for project in facts.compose_projects]
    assert kept
    detect_streaming(catalogue(), facts, dockerfiles)
    assert facts.compose_projects == []
    gc.collect()
    assert [ref() for ref in kept] == [None] * len(kept)

    live, dockerfiles = read_project_but_dockerfiles(tree)
    projects = list(live.compose_projects)
    endpoint = Endpoint("h", "unix:///x.sock", "test")
    live.engines = [EngineFacts(endpoint, "2026-01-01T00:00:00Z", error="refused")]
    detect_streaming(catalogue(), live, dockerfiles)
    assert live.compose_projects == projects  # the live items compare them with containers


def test_a_compose_detector_failing_in_a_later_batch_fails_its_item_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _every_fixture(tmp_path)
    real = compose_checks.DETECTORS["privileged"]
    last = read_project_but_dockerfiles(tree)[0].compose_projects[-1].path

    def breaks_on_the_last(facts: ProjectFacts) -> list[Finding]:
        if facts.dockerfiles_gone:  # a batch of projects, judged after the Dockerfiles
            with pytest.raises(LookupError):
                facts.dockerfile("Dockerfile")
        if any(project.path == last for project in facts.compose_projects):
            raise ValueError("no such service")
        return real(facts)

    monkeypatch.setitem(compose_checks.DETECTORS, "privileged", breaks_on_the_last)
    monkeypatch.setattr(engine, "COMPOSE_PROJECTS_PER_BATCH", 2)
    whole, streamed = _scan(tree), _scan_streaming(tree)
    assert streamed == whole
    failed = whole[0]["runtime.not-privileged"]
    assert [f.reason for f in failed] == ["detector privileged failed: no such service"]
    assert gc.get_freeze_count() == 0


def test_a_detector_failing_in_a_later_batch_fails_its_item_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _every_fixture(tmp_path)
    real = dockerfile_checks.DETECTORS["final_user"]
    last = sorted(str(path.relative_to(tree)) for path in tree.rglob("Dockerfile"))[-1]

    def breaks_on_the_last(facts: ProjectFacts) -> list[Finding]:
        if any(dockerfile.path == last for dockerfile in facts.dockerfiles):
            raise ValueError("no such user")
        return real(facts)

    monkeypatch.setitem(dockerfile_checks.DETECTORS, "final_user", breaks_on_the_last)
    monkeypatch.setattr(engine, "DOCKERFILES_PER_BATCH", 2)
    whole, streamed = _scan(tree), _scan_streaming(tree)
    assert streamed == whole
    failed = whole[0]["build.non-root-user"]
    assert [f.reason for f in failed] == ["detector final_user failed: no such user"]
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not fast_yaml.available(), reason="libyaml is not installed")
def test_libyaml_and_ruamel_give_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One tree holding every fixture project in a folder of its own, scanned once each
    way: a scan per project would take a minute."""
    tree = tmp_path / "fixtures"
    for project in PROJECTS:
        shutil.copytree(project, tree / project.relative_to(FIXTURES), symlinks=True)
    fast = _scan(tree)
    monkeypatch.setattr(fast_yaml, "CParser", None)
    assert _scan(tree) == fast


def test_the_ruamel_path_still_reads_the_demo(ruamel_only: None) -> None:
    findings, _, _ = _scan(FIXTURES / "projects" / "demo")
    services = {f.target.name for fs in findings.values() for f in fs if f.target.name}
    assert {"web", "db", "worker"} <= services


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    kind = draw(st.sampled_from(list(TargetKind)))
    evidence = draw(
        st.lists(
            st.builds(
                Evidence,
                _TEXT,
                st.one_of(st.none(), st.integers(0, 10**6)),
                _TEXT,
                st.one_of(st.just(""), _TEXT),
            ),
            max_size=3,
        )
    )
    target = Target(kind, draw(_TEXT), draw(_TEXT))
    return Finding(target, draw(st.sampled_from(list(Status))), draw(_TEXT), tuple(evidence))


@fuzz(200)
@given(findings())
def test_a_findings_encoding_is_the_generic_encoders_text(finding: Finding) -> None:
    assert finding.canonical_json() == canonical_json(finding.to_dict())


@fuzz(200)
@given(st.lists(findings(), min_size=1, max_size=4))
def test_the_encoder_of_many_findings_writes_each_as_it_would_alone(
    found: list[Finding],
) -> None:
    # A scan's findings share their targets and evidence, which the encoder encodes once.
    first = found[0]
    shared = [dataclasses.replace(f, target=first.target, evidence=first.evidence) for f in found]
    encoder = FindingEncoder()
    for finding in [*found, *shared, *found]:
        assert encoder.encode(finding) == finding.canonical_json()


def test_an_encoder_that_starts_over_writes_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a big tree does: the kept texts are let go, and encoding starts over.
    monkeypatch.setattr(core_model, "ENCODER_KEPT", 3)
    target = Target(TargetKind.DOCKERFILE, "Dockerfile")
    shared = (Evidence("Dockerfile", 1, "FROM x"),)
    found = [
        Finding(
            target if n % 2 else Target(TargetKind.SERVICE, f"c{n}.yaml", "web"),
            Status.FAIL,
            f"reason {n}",
            shared if n % 3 else (),
        )
        for n in range(20)
    ]
    encoder = FindingEncoder()
    assert [encoder.encode(f) for f in found * 2] == [f.canonical_json() for f in found * 2]


def test_detection_leaves_nothing_frozen_or_cached_even_when_a_detector_fails() -> None:
    facts = read_project(FIXTURES / "projects" / "demo")

    def stop(done: int, total: int) -> None:
        if done == total // 2:
            raise KeyboardInterrupt  # as when the reviewer quits in the middle

    detect(catalogue(), facts)
    assert gc.get_freeze_count() == 0
    assert engine._natural.cache_info().currsize == 0
    with pytest.raises(KeyboardInterrupt):
        detect(catalogue(), facts, progress=stop)
    assert gc.get_freeze_count() == 0
    assert engine._natural.cache_info().currsize == 0
    streamed, dockerfiles = read_project_but_dockerfiles(FIXTURES / "projects" / "demo")
    detect_streaming(catalogue(), streamed, dockerfiles)
    assert gc.get_freeze_count() == 0
    assert engine._natural.cache_info().currsize == 0


def test_lookups_by_path_see_files_added_or_replaced_later() -> None:
    facts = ProjectFacts(root=Path("."))
    assert facts.dockerfile("Dockerfile") is None
    first = parse_dockerfile("FROM alpine:3.20\n", "Dockerfile")
    facts.dockerfiles.append(first)
    assert facts.dockerfile("Dockerfile") is first
    second = parse_dockerfile("FROM alpine:3.21\n", "Dockerfile")
    facts.dockerfiles = [second]
    assert facts.dockerfile("Dockerfile") is second


def test_an_unsaved_digest_keeps_no_encodings_and_matches_a_saved_one(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    for path in (FIXTURES / "projects" / "demo").rglob("*"):
        if path.is_file():
            target = root / path.relative_to(FIXTURES / "projects" / "demo")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    session = ReviewSession.open(root, catalogue(), autosave=False)
    session.scan()
    unsaved = session.digest()
    assert not session.review._encoded
    session.save()
    assert session.review._encoded
    assert session.digest() == unsaved


def test_a_digest_hashed_in_chunks_of_findings_is_the_digest_of_them_all_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "demo"
    shutil.copytree(FIXTURES / "projects" / "demo", root)
    session = ReviewSession.open(root, catalogue(), autosave=False)
    session.scan()
    assert max(len(found) for found in session.review.findings.values()) > 3
    digests = set()
    for chunk in (1, 3, 10**9):
        monkeypatch.setattr(review_model, "DIGEST_CHUNK", chunk)
        digests.add(session.digest())
    # What the digest was before it was hashed in chunks: one "\n" before each finding.
    digest = hashlib.sha256()
    for item in session.catalogue.items:
        state = session.review.state(item)
        head: dict[str, object] = {
            "id": item.id,
            "detected": state.detected.value,
            "verdict": state.verdict.value,
            "reason": state.answer.reason if state.answer else "",
            "note": state.note,
        }
        if state.waivers:
            head["waivers"] = [waiver.to_dict() for waiver in state.waivers]
        digest.update(review_model.canonical_json(head).encode("utf-8"))
        for finding in session.review.findings.get(item.id, []):
            digest.update(("\n" + finding.canonical_json()).encode("utf-8"))
        digest.update(b"\n\n")
    assert digests == {digest.hexdigest()}


def test_findings_about_a_service_share_its_target_and_evidence() -> None:
    facts = read_project(FIXTURES / "projects" / "demo")
    results = detect(catalogue(), facts)
    web = [f for found in results.values() for f in found if f.target.kind is TargetKind.SERVICE]
    targets = {id(f.target) for f in web if f.target.name == "web"}
    assert len(targets) == 1
    lines = [e for f in web for e in f.evidence if f.target.name == "web"]
    by_place: dict[tuple[str, int | None], set[int]] = {}
    for evidence in lines:
        by_place.setdefault((evidence.path, evidence.line), set()).add(id(evidence))
    assert all(len(ids) == 1 for ids in by_place.values())


def test_findings_citing_the_same_lines_mostly_share_one_evidence_tuple() -> None:
    """Made by the shared helpers of the Dockerfile and compose detectors, equal evidence
    about one target is one tuple; a few detectors make their own."""
    facts = read_project(FIXTURES / "projects" / "demo")
    results = detect(catalogue(), facts)
    kinds = {TargetKind.DOCKERFILE, TargetKind.SERVICE}
    found = [f for fs in results.values() for f in fs if f.target.kind in kinds]
    tuples = {id(finding.evidence) for finding in found}
    values = {(finding.target, finding.evidence) for finding in found}
    assert {target.kind for target, _ in values} == kinds
    assert len(found) > 2 * len(values)
    assert len(tuples) < len(values) + len(found) // 10


def test_project_wide_lookups_are_made_once_for_every_batch_and_again_when_files_change(
    tmp_path: Path,
) -> None:
    """The build contexts compose gives and the secret-looking files are worked out once
    for the facts of every batch of Dockerfiles, and again when a list is replaced or
    grows."""
    facts, dockerfiles = read_project_but_dockerfiles(_every_fixture(tmp_path))
    first, second = (
        dataclasses.replace(facts, dockerfiles=[parse_dockerfile("FROM alpine\n", rel)])
        for rel in dockerfiles[:2]
    )
    contexts = context.build_contexts(first)
    assert contexts and context.build_contexts(second) is contexts
    assert context.build_contexts(facts) == context._build_contexts(facts)
    secrets = secret_files.project_secret_files(first)
    assert secrets and secret_files.project_secret_files(second) is secrets

    facts.files.append("late/.env")
    assert secret_files.project_secret_files(second)[-1] == ("late/.env", "an environment file")
    assert "late/.env" in secret_files.project_file_set(first)
    facts.compose_projects = []
    assert context.build_contexts(dataclasses.replace(facts)) == {}


def test_compose_files_of_a_tree_share_their_repeated_keys_and_values(tmp_path: Path) -> None:
    """Two compose files that write the same keys and values hold one string of each,
    interpolated values too; the values read are unchanged."""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "compose.yaml").write_text(
            "services:\n  web:\n    image: ${IMAGE:-nginx}:1.27\n    restart: 'always'\n"
        )
    projects, problems = read_compose_projects(tmp_path, ["a/compose.yaml", "b/compose.yaml"])
    assert problems == []
    first, second = (project.services[0].data for project in projects)
    assert first == second == {"image": "nginx:1.27", "restart": "always"}
    for (key_a, value_a), (key_b, value_b) in zip(first.items(), second.items(), strict=True):
        assert key_a is key_b and value_a is value_b


def test_a_scan_reports_the_dockerfiles_and_the_items_as_one_step_that_only_moves_on(
    tmp_path: Path,
) -> None:
    tree = _every_fixture(tmp_path)
    reported: list[tuple[str, int, int]] = []
    session = ReviewSession.open(tree, catalogue(), autosave=False)
    session.scan(lambda step, done, total: reported.append((step, done, total)))
    steps = list(dict.fromkeys(step for step, _, _ in reported))
    assert steps[-2:] == ["read", engine.CHECKING]
    checking = [(done, total) for step, done, total in reported if step == engine.CHECKING]
    dockerfiles = len(list(tree.rglob("Dockerfile")))
    items = sum(item.automatic for item in catalogue().items)
    assert {total for _, total in checking} == {dockerfiles + items}
    counts = [done for done, _ in checking]
    assert counts == sorted(set(counts)) and counts[-1] == dockerfiles + items


def test_a_report_uses_the_sessions_item_states_not_copies(tmp_path: Path) -> None:
    """Each state holds its item's findings and works out which waiver covers each:
    a report of a big tree must not make them again."""
    session = ReviewSession.open(_every_fixture(tmp_path), catalogue(), autosave=False)
    session.scan()
    data = report_data(session, fixes=True)
    shown = [state for section in data.sections for state in section.states]
    assert len(shown) == len(catalogue().items)
    assert all(state is session.state(state.item.id) for state in shown)
    assert any(state.findings for state in shown)
