"""Every staff URL for every role, compared with the committed tests/staff/permission_matrix.yaml.

A new staff URL fails here until someone decides who may use it: give the view its permission
(`staff.access.staff_required("app.codename")`), then regenerate the file deliberately and
review the diff (see tests/staff/permission_matrix.py):

    LINLI_VAR_DIR=$PWD/var/matrix .venv/bin/python -m tests.staff.permission_matrix --write
"""

import pytest

from . import permission_matrix as pm

REGENERATE = (
    "decide who may use it (staff_required(perm) in the view), then run "
    "`python -m tests.staff.permission_matrix --write` and review the diff of "
    "tests/staff/permission_matrix.yaml"
)


@pytest.mark.req("SUSR-2")
def test_every_staff_view_goes_through_staff_required():
    undeclared = [
        f"{name} ({route})"
        for route, name, view in pm.staff_url_patterns()
        if not hasattr(view, "staff_permission")
    ]
    assert not undeclared, (
        "these staff views do not declare their permission with staff.access.staff_required: "
        + ", ".join(undeclared)
    )


def test_the_committed_matrix_is_well_formed():
    committed = pm.load()
    assert committed, f"{pm.MATRIX_FILE} is missing or empty"
    for name, row in committed.items():
        assert list(row) == pm.ROLES, f"{name}: roles must be exactly {pm.ROLES}"
        assert set(row.values()) <= pm.OUTCOMES, f"{name}: outcomes must be in {pm.OUTCOMES}"


@pytest.mark.sweep
@pytest.mark.req("SUSR-2")
def test_every_staff_url_for_every_role_matches_the_committed_matrix(db):
    committed = pm.load()
    measured = pm.measure()

    undecided = sorted(set(measured) - set(committed))
    assert not undecided, (
        f"staff URL(s) without a decision in {pm.MATRIX_FILE.name}: {', '.join(undecided)}. "
        f"For each one, {REGENERATE}."
    )
    gone = sorted(set(committed) - set(measured))
    assert not gone, (
        f"{pm.MATRIX_FILE.name} lists URL(s) that no longer exist: {', '.join(gone)}; "
        "remove them (or regenerate the file)."
    )
    differences = [
        f"  {name} as {role}: committed {committed[name].get(role)!r}, measured {outcome!r}"
        for name, row in measured.items()
        for role, outcome in row.items()
        if committed[name].get(role) != outcome
    ]
    assert not differences, (
        "the staff portal no longer does what permission_matrix.yaml says:\n"
        + "\n".join(differences)
        + f"\nFix the view, or if the change is intended, {REGENERATE}."
    )
