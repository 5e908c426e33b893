"""The function groups of the M14 and M57 plans of accounts (the first
figure of a function code), and which levels two budget documents share.

A function code says what the money is for; its first figure is the
group. The groups of M14 and M57 do not mean the same (4 is "sport and
youth" in M14, "health and social action" in M57): two documents are
compared by function group only when they follow the same plan. Their
chapters are compared where both documents have the chapter, and the
sections always (issue #25)."""
from __future__ import annotations

from collections.abc import Sequence

from ckanext.issy.language import _

# Code "01" is "opérations non ventilables" in both plans: its own group.
UNALLOCATED = "01"
NO_FUNCTION = "-"


def _m14() -> dict[str, str]:
    return {
        "0": _("General services"), "1": _("Security and public health"), "2": _("Education and training"),
        "3": _("Culture"), "4": _("Sport and youth"), "5": _("Social action and health"), "6": _("Family"),
        "7": _("Housing"), "8": _("Urban services, planning and environment"), "9": _("Economic action"),
    }


def _m57() -> dict[str, str]:
    return {
        "0": _("General services"), "1": _("Security"), "2": _("Education and training"),
        "3": _("Culture, community life, youth, sport and leisure"), "4": _("Health and social action"),
        "5": _("Planning and housing"), "6": _("Economic action"), "7": _("Environment"), "8": _("Transport"),
    }


def group_of(code: str | None) -> str:
    code = (code or "").strip()
    if not code:
        return NO_FUNCTION
    return UNALLOCATED if code.startswith(UNALLOCATED) else code[0]


def _either() -> dict[str, str]:
    """The groups both plans name alike: what a document of unknown plan can say."""
    m14, m57 = _m14(), _m57()
    return {code: label for code, label in m14.items() if m57.get(code) == label} | {"1": _("Security")}


def group_label(group: str, family: str, functions: Sequence[str] = ()) -> str:
    """The group's name in the plan ``family``; when the plan is not known
    and the plans name the group differently, its largest ``functions``."""
    if group == UNALLOCATED:
        return _("Not allocated to a function")
    if group == NO_FUNCTION:
        return _("No function given")
    labels = {"M14": _m14, "M57": _m57}.get(family, _either)()
    if group in labels:
        return labels[group]
    if functions:
        more = "…" if len(functions) > 2 else ""
        return _("Group {code}: {functions}").format(code=group, functions=", ".join(functions[:2]) + more)
    return _("Function group {code}").format(code=group)


def same_plan(family: str, other: str) -> bool:
    return bool(family) and family == other
