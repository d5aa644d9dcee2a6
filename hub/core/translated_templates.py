"""Templates compiled once per language, with their fixed texts already translated.

A page calls ``_("…")`` for every text it shows (the question page ~180 times, the privacy
notice 20). Each call from a template costs what a few rows of the page cost: Jinja's
``Context.call`` looks the callable over for arguments to pass, the catalogue is looked up for
the request's language, the answer is made ``Markup`` and escaped again on its way out; about
30 times the cost of the same text written into the template (issue 17).

A call with nothing but a string literal always gives the same text in a given language, so the
environment compiles each template once per catalogue, with each such call replaced by its
translation, marked safe exactly where ``_()`` would mark it (autoescaping templates). A call
with variables, a text whose translation has a ``%`` (which ``_()`` passes through ``%``), and
every call inside a scope that binds ``_`` or ``gettext`` to something else is left as it was.
Outside an application context (nothing to say which language), the template is compiled as
written, as before.
"""

from __future__ import annotations

import weakref
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from contextvars import ContextVar
from typing import Any

from flask import has_app_context
from flask.templating import Environment
from jinja2 import Template, nodes
from jinja2.runtime import Context, new_context
from jinja2.visitor import NodeTransformer

from hub.core.i18n import catalogue

GETTEXT_NAMES = frozenset({"_", "gettext"})
# Nodes whose assignments stay inside them (Jinja's scoping): a binding of ``_`` in one of them
# leaves the calls elsewhere alone.
SCOPES = (nodes.Macro, nodes.CallBlock, nodes.For, nodes.With, nodes.Block)

# The catalogue a template is being compiled for (set while ``_load_template`` compiles).
_compiling_for: ContextVar[Any] = ContextVar("compiling_for", default=None)


class FlatGlobalsTemplate(Template):
    """A template whose render copies its globals as one dict: Jinja keeps them as a
    ``ChainMap`` (the template's own over the environment's, so that later changes show), and
    copying a ``ChainMap`` into each render's context looks every global up in Python, ~40
    calls per template rendered (an included one too), a twentieth of a short page."""

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> Context:
        return new_context(
            self.environment, self.name, self.blocks, vars, shared, flat(self.globals), locals
        )


def flat(globals: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The globals as one dict, each name's value as the ``ChainMap`` gives it."""
    if type(globals) is not ChainMap:
        return globals
    found: dict[str, Any] = {}
    for mapping in reversed(globals.maps):
        found.update(mapping)
    return found


class TranslatedEnvironment(Environment):
    """Flask's template environment, keeping each template per catalogue (see the module)."""

    template_class = FlatGlobalsTemplate

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.translated: dict[tuple, Template] = {}

    def _load_template(self, name: str, globals: MutableMapping[str, Any] | None) -> Template:
        if self.loader is None or self.cache is None or not has_app_context():
            return super()._load_template(name, globals)
        translations = catalogue()
        key = (weakref.ref(self.loader), name, translations)
        template = self.translated.get(key)
        if template is not None and (not self.auto_reload or template.is_up_to_date):
            if globals:
                template.globals.update(globals)
            return template
        token = _compiling_for.set(translations)
        try:
            template = self.loader.load(self, name, self.make_globals(globals))
        finally:
            _compiling_for.reset(token)
        self.translated[key] = template
        return template

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        translations = _compiling_for.get()
        if translations is None:
            return tree
        return _TranslateLiterals(translations).visit(tree)


class _TranslateLiterals(NodeTransformer):
    """``_("text")`` → the translation, as ``_()`` would give it (``MarkSafeIfAutoescape``)."""

    def __init__(self, translations) -> None:
        self.translations = translations

    def visit(self, node: nodes.Node, *args, **kwargs) -> Any:
        if isinstance(node, (nodes.Template, *SCOPES)) and binds_gettext(node):
            return node  # ``_`` is something else in here
        return super().visit(node, *args, **kwargs)

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        text = literal_argument(node)
        if text is None:
            return node
        translated = self.translations.ugettext(text)
        if "%" in translated:
            return node  # ``_()`` would apply ``%`` to it
        return nodes.MarkSafeIfAutoescape(nodes.Const(translated), lineno=node.lineno)


def literal_argument(call: nodes.Call) -> str | None:
    """The string of ``_("text")`` or ``gettext("text")``; None for any other call."""
    if not (isinstance(call.node, nodes.Name) and call.node.name in GETTEXT_NAMES):
        return None
    if call.kwargs or call.dyn_args is not None or call.dyn_kwargs is not None:
        return None
    if len(call.args) != 1 or not isinstance(call.args[0], nodes.Const):
        return None
    value = call.args[0].value
    return value if isinstance(value, str) else None


def binds_gettext(scope: nodes.Node) -> bool:
    """Whether ``scope`` binds ``_`` or ``gettext`` itself (not in a scope nested in it)."""
    waiting = list(scope.iter_child_nodes())
    while waiting:
        node = waiting.pop()
        if isinstance(node, nodes.Name) and node.name in GETTEXT_NAMES and node.ctx != "load":
            return True
        if isinstance(node, nodes.Import) and node.target in GETTEXT_NAMES:
            return True
        if isinstance(node, nodes.FromImport) and any(
            (name if isinstance(name, str) else name[-1]) in GETTEXT_NAMES for name in node.names
        ):
            return True
        if not isinstance(node, SCOPES):
            waiting.extend(node.iter_child_nodes())
    return False
