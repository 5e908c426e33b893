"""The function groups of the M14 and M57 plans of accounts (the first
figure of a function code), and which levels two budget documents share.

A function code says what the money is for; its first figure is the
group. The groups of M14 and M57 do not mean the same (4 is "sport and
youth" in M14, "health and social action" in M57): two documents are
compared by function group only when they follow the same plan. Their
chapters are compared where both documents have the chapter, and the
sections always (issue #25)."""
from __future__ import annotations

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


def group_label(group: str, family: str) -> str:
    if group == UNALLOCATED:
        return _("Not allocated to a function")
    if group == NO_FUNCTION:
        return _("No function given")
    labels = {"M14": _m14, "M57": _m57}.get(family)
    return (labels() if labels else {}).get(group) or _("Function group {code}").format(code=group)


def same_plan(family: str, other: str) -> bool:
    return bool(family) and family == other
