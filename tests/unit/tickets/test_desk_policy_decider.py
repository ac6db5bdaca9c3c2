"""The desk-policy decider: a policy whose targets cannot all hold, or name a category the desk lacks, is refused
by field (422) and records nothing."""

from datetime import UTC, datetime

import pytest

from events.contracts.tickets import DeskPolicyChanged, Priority, SlaTarget
from events.errors import Unprocessable
from events.testing import given
from tickets.domain.policy import DEFAULT_POLICY, DEFAULT_TARGETS, DESK_POLICY, DeskPolicy, SetDeskPolicy

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def target(response: int, resolution: int) -> SlaTarget:
    return SlaTarget(response_minutes=response, resolution_minutes=resolution)


@pytest.mark.parametrize(("policy", "field"), [
    (DeskPolicy(targets={**DEFAULT_TARGETS, Priority.P2: target(600, 480)}), "targets.P2.response_minutes"),
    (DeskPolicy(category_targets={"plumbing": {Priority.P1: target(5, 60)}}), "category_targets.plumbing"),
    (DeskPolicy(categories=("radio",), category_targets={"radio": {Priority.P4: target(90, 60)}}),
     "category_targets.radio.P4.response_minutes"),
    (DeskPolicy(targets={Priority.P1: target(15, 240)}), "targets"),
], ids=["response-after-resolution", "unknown-category", "own-category-upside-down", "missing-priorities"])
def test_a_policy_whose_targets_cannot_hold_is_refused_naming_the_field(policy, field):
    refusal = given(DESK_POLICY).refuses(SetDeskPolicy(policy, T0), Unprocessable)
    assert (refusal.status, refusal.field) == (422, field)


def test_targets_for_standard_and_own_categories_with_equal_response_and_resolution_are_accepted():
    policy = DeskPolicy(categories=("radio",), category_targets={
        "radio": {Priority.P1: target(60, 60)}, "network": {Priority.P2: target(30, 120)}})
    [changed] = given(DESK_POLICY).when(SetDeskPolicy(policy, T0))
    assert isinstance(changed, DeskPolicyChanged)
    assert given(DESK_POLICY, changed).state.target(Priority.P1, "radio") == target(60, 60)
    assert given(DESK_POLICY).state == DEFAULT_POLICY
