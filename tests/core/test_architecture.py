"""The shape the code keeps (issue #13): one edge owns the transaction, views catch only rule
errors and stay short, rules have one owner, and the layers point one way. AST and grep based."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from hub.core.rules import RuleError

HUB = Path(__file__).resolve().parents[2] / "hub"
ROOT = HUB.parent
VIEW_MODULES = sorted(
    p for p in HUB.rglob("*.py") if p.name == "views.py" or p.name.endswith("_views.py")
)

# Views that may still end a transaction by hand: at most three, each with its reason.
COMMIT_EXCEPTIONS: dict[str, str] = {}
# Not converted to the edge yet: none left (the baton pages were the last, #12). Add a module
# here only while it is being converted.
NOT_YET_AT_THE_EDGE: set[str] = set()
FEATURE_PACKAGES = {
    p.name
    for p in HUB.iterdir()
    if p.is_dir() and (p / "__init__.py").exists() and p.name != "core"
}
MAX_VIEW_LINES = 30


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_name(path: Path) -> str:
    return rel(path).removesuffix(".py").replace("/", ".")


def calls_named(tree: ast.AST, names: set[str]) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ]


@pytest.mark.parametrize("path", VIEW_MODULES, ids=rel)
def test_views_leave_commit_and_rollback_to_the_edge(path):
    if rel(path) in NOT_YET_AT_THE_EDGE | set(COMMIT_EXCEPTIONS):
        pytest.skip("listed")
    lines = calls_named(ast.parse(path.read_text()), {"commit", "rollback"})
    assert not lines, f"{rel(path)} ends a transaction by hand on lines {lines}"


def test_at_most_three_commit_exceptions():
    assert len(COMMIT_EXCEPTIONS) <= 3 and all(COMMIT_EXCEPTIONS.values())


@pytest.mark.parametrize("path", VIEW_MODULES, ids=rel)
def test_views_catch_only_rule_errors(path):
    if rel(path) in NOT_YET_AT_THE_EDGE:
        pytest.skip("listed")
    module = importlib.import_module(module_name(path))
    wrong = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ExceptHandler):
            continue
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        for expression in types:
            caught = eval(compile(ast.Expression(expression), rel(path), "eval"), vars(module))  # noqa: S307  (our own source)
            if not (isinstance(caught, type) and issubclass(caught, RuleError)):
                wrong.append(f"line {node.lineno}: {ast.unparse(expression)}")
    assert not wrong, f"{rel(path)} catches more than the rule errors: {wrong}"


def view_functions(path: Path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and any(
            "bp." in ast.unparse(d) or "app." in ast.unparse(d) for d in node.decorator_list
        ):
            yield node


def test_view_functions_are_short():
    long = [
        f"{rel(path)}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in VIEW_MODULES
        for node in view_functions(path)
        if node.end_lineno - node.lineno + 1 > MAX_VIEW_LINES
    ]
    assert not long, "load, call a rule, render: " + ", ".join(long)


def imported_modules(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


@pytest.mark.parametrize("path", sorted((HUB / "core").glob("*.py")), ids=rel)
def test_core_imports_no_feature_package(path):
    features = [
        name
        for name in imported_modules(ast.parse(path.read_text()))
        if name.startswith("hub.") and name.split(".")[1] in FEATURE_PACKAGES
    ]
    assert not features, f"{rel(path)} (the foundation) imports {features}"


def module_graph() -> dict[str, set[str]]:
    """Which hub modules each one imports, at the top or inside a function: a cycle hidden by
    a local import is still a cycle between the two files."""
    modules = {module_name(p).removesuffix(".__init__"): p for p in HUB.rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {known(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets |= {known(f"{node.module}.{alias.name}") for alias in node.names}
        # ``hub`` itself is create_app, which assembles every part: the few modules that build
        # an app of their own (the relay simulation) point back to it by design.
        graph[name] = targets - {None, name, "hub"}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_between_files():
    assert cycles(module_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_module_in_hub():
    users = [rel(p) for p in HUB.rglob("*.py") if "import_module" in p.read_text()]
    assert not users, f"parts are imported by name, not found by string: {users}"


def queues_security_notice(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = ast.unparse(node.func).rsplit(".", 1)[-1]
    first = node.args[0] if node.args else None
    notice = isinstance(first, ast.Constant) and first.value == "security_notice"
    return name == "send_security_notice" or (name == "queue_email" and notice)


def test_security_notices_are_queued_by_the_account_rules_only():
    owner = "hub/auth/accounts.py"
    senders = [
        rel(p)
        for p in HUB.rglob("*.py")
        if rel(p) != owner and any(map(queues_security_notice, ast.walk(ast.parse(p.read_text()))))
    ]
    assert not senders, f"only {owner} queues security notices: {senders}"


def test_people_are_found_through_the_privacy_rule():
    """Every lookup of people by name goes through ``listed_people()``: a hidden member is found
    nowhere (the directory's own list uses ``listed_by_exclusion()`` beside it)."""
    for path, function in [
        ("hub/forum/activity.py", "people_matching"),
        ("hub/forum/activity.py", "mentioned_users"),
        ("hub/forum/activity.py", "find_member_by_name"),
        ("hub/forum/activity.py", "listed_member"),
        ("hub/forum/questions.py", "_experts_statement"),
    ]:
        tree = ast.parse((ROOT / path).read_text())
        [node] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
        assert "listed_people()" in ast.unparse(node), f"{path}:{function}"


def assigns_meeting_status(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Meeting"):
        return any(keyword.arg == "status" for keyword in node.keywords)
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(
            isinstance(t, ast.Attribute) and t.attr == "status" and "meeting" in ast.unparse(t)
            for t in targets
        )
    return False


def test_only_scheduling_changes_a_meetings_status():
    """Cancelling and holding have side effects (mail, the baton): one owner does both. The demo
    seeder writes past meetings as history."""
    allowed = {"hub/meetings/scheduling.py", "hub/meetings/demo.py"}
    writers = [
        rel(p)
        for p in HUB.rglob("*.py")
        if rel(p) not in allowed
        and any(map(assigns_meeting_status, ast.walk(ast.parse(p.read_text()))))
    ]
    assert not writers, (
        f"a meeting's status is changed outside hub/meetings/scheduling.py: {writers}"
    )


def test_meeting_status_is_an_enum_not_string_literals():
    literals = [
        f"{rel(p)}:{node.lineno}"
        for p in HUB.rglob("*.py")
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Compare)
        and "status" in ast.unparse(node.left)
        and "meeting" in ast.unparse(node.left).lower()
        and any(
            isinstance(c, ast.Constant) and c.value in {"scheduled", "cancelled", "held"}
            for c in node.comparators
        )
    ]
    assert not literals, f"use MeetingStatus: {literals}"


def test_only_the_tags_module_creates_tags():
    owner = "hub/core/tags.py"
    makers = [
        rel(p)
        for p in HUB.rglob("*.py")
        if rel(p) != owner
        and any(
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in {"Tag", "insert", "sa.insert"}
            and (ast.unparse(node.func) == "Tag" or "Tag" in map(ast.unparse, node.args))
            for node in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert not makers, f"tags are made only by {owner}: {makers}"


def test_one_tag_slug_rule():
    """The forum's and the directory's own slug functions drifted apart (issue #13)."""
    assert "def slugify" not in (HUB / "directory" / "names.py").read_text()
    questions = (HUB / "forum" / "questions.py").read_text()
    assert "def parse_tag_names" not in questions and "Tag(" not in questions


# --- One owner per table: a part writes its own models, and calls the owner's rules for others'


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def part_of(path: Path) -> str:
    """``hub/forum/questions.py`` → ``forum``; a module at the top (``hub/demo.py``) is its own."""
    inside = path.relative_to(HUB).parts
    return inside[0] if len(inside) > 1 else path.stem


def model_owners() -> dict[str, str]:
    """Every model class and the part whose models.py defines it."""
    return {
        node.name: part_of(path)
        for path in HUB.rglob("models.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ClassDef) and any("Model" in ast.unparse(b) for b in node.bases)
    }


STATEMENTS = {"insert", "update", "delete"}


def model_writes(tree: ast.AST, models: set[str]):
    """(line, model, how) for what a module writes: a model built, an insert/update/delete
    statement on it, an attribute set or a collection changed on a variable named after it
    (``network.name = …``, ``network.members.append(…)``), a row deleted by that name.
    Variables are known only by their names: a ``u.role = …`` slips through."""
    by_variable = {snake(model): model for model in models}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = ast.unparse(node.func)
            first = node.args[0] if node.args else None
            if called in models:
                yield node.lineno, called, "builds"
            elif called.endswith("session.delete") and getattr(first, "id", "") in by_variable:
                yield node.lineno, by_variable[first.id], "deletes"
            elif called.rsplit(".", 1)[-1] in STATEMENTS and ast.unparse(first or node) in models:
                yield node.lineno, ast.unparse(first), called
            function = node.func
            if (
                isinstance(function, ast.Attribute)
                and function.attr in {"append", "remove", "extend", "clear"}
                and isinstance(function.value, ast.Attribute)
                and isinstance(function.value.value, ast.Name)
                and function.value.value.id in by_variable
            ):
                yield node.lineno, by_variable[function.value.value.id], called
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in by_variable
                ):
                    yield node.lineno, by_variable[target.value.id], f"sets {ast.unparse(target)}"


# Writes into another part's table that are that module's own rule, each with its reason.
OTHER_PARTS_WRITES: dict[tuple[str, str], str] = {
    ("hub/directory/membership.py", "User"): "owns User.municipality_code and unit_id",
    ("hub/directory/profiles.py", "User"): "owns the profile columns kept on User",
    ("hub/site/language.py", "User"): "owns User.locale, the language switch",
    ("hub/privacy/erase.py", "Question"): "erasure anonymises what the person wrote, everywhere",
    ("hub/privacy/erase.py", "Comment"): "erasure anonymises what the person wrote, everywhere",
    ("hub/announcements/sending.py", "Notification"): "one executemany for 2,000 members",
    ("hub/digests/run.py", "Notification"): "marks the batch mailed in one statement",
    ("hub/digests/run.py", "OutboxMessage"): "queues the batch in one executemany",
    ("hub/mail/notifications.py", "Notification"): "takes each notification once, to mail it",
    ("hub/meetings/simulation.py", "User"): "the simulation's own throwaway world",
}


def test_parts_write_only_their_own_tables():
    """The admin area wrote regions, networks, categories and roles by hand; now each part's
    rules do it with their side effects, and everyone calls them (issue #13)."""
    owners = model_owners()
    found = [
        f"{rel(path)}:{line} {how} ({model} belongs to hub/{owners[model]})"
        for path in sorted(HUB.rglob("*.py"))
        for line, model, how in model_writes(ast.parse(path.read_text()), set(owners))
        if owners[model] != part_of(path) and (rel(path), model) not in OTHER_PARTS_WRITES
    ]
    assert not found, "call the owning part's rule instead:\n" + "\n".join(found)


def test_the_owner_check_finds_a_write_into_another_part():
    code = """
network.name = name
db.session.add(Category(slug=slug))
network.coordinators.append(user)
db.session.delete(unit)
db.session.execute(update(User).values(role=role))
"""
    found = [(model, how) for _, model, how in model_writes(ast.parse(code), set(model_owners()))]
    assert sorted(model for model, _ in found) == ["Category", "Network", "Network", "Unit", "User"]


def test_join_requests_are_mailed_by_their_owner_only():
    """Asking to join (#21): one module decides who receives it and queues its mail."""
    owner = "hub/auth/join_requests.py"

    def queues_join_request(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Call)
            and ast.unparse(node.func).endswith("queue_email")
            and bool(node.args)
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "join_request"
        )

    senders = [
        rel(p)
        for p in HUB.rglob("*.py")
        if any(map(queues_join_request, ast.walk(ast.parse(p.read_text()))))
    ]
    assert senders == [owner], f"only {owner} queues the join request mail: {senders}"
