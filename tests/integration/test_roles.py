"""Deny by default: every endpoint of every service, called with each role, lets in only the roles it should."""

import re
from uuid import uuid4

from events.contracts import SERVICES
from support.suite import suite_of

ROLES = ("staff", "technician", "manager", "auditor", "reporting")

AGENTS = {"technician", "manager"}
PARTICIPANTS = {"staff", *AGENTS}
DESK = {*AGENTS, "auditor"}
TICKET_ACTIONS = {
    "acknowledge": AGENTS, "assign": AGENTS, "comments": PARTICIPANTS, "request-information": AGENTS,
    "provide-information": PARTICIPANTS, "escalate": AGENTS, "priority": AGENTS, "resolve": AGENTS,
    "confirm": PARTICIPANTS, "reopen": PARTICIPANTS, "cancel": PARTICIPANTS, "satisfaction": PARTICIPANTS,
}
WORK_ORDER_ACTIONS = ("schedule", "start", "time", "parts", "complete", "cancel", "repairs")
DEVICE_ACTIONS = ("receive", "install", "assign", "return", "move", "repair", "retire", "sanitize", "hand-over",
                  "dispose", "lost")

# The policy, from DESIGN.md section 7; a route missing here fails the test.
ALLOWED = {
    ("tickets", "POST", "/tickets"): PARTICIPANTS,
    ("tickets", "GET", "/tickets"): PARTICIPANTS,
    ("tickets", "GET", "/tickets/{ticket_id}"): {"staff", *DESK},
    **{("tickets", "POST", f"/tickets/{{ticket_id}}/{action}"): roles for action, roles in TICKET_ACTIONS.items()},
    ("tickets", "GET", "/queue"): DESK,
    ("tickets", "GET", "/desk-policy"): {"staff", *DESK},
    ("tickets", "PUT", "/desk-policy"): {"manager"},
    ("tickets", "GET", "/categories"): {"staff", *DESK},
    ("tickets", "POST", "/sla/what-if"): {"manager"},
    ("tickets", "POST", "/work-orders"): AGENTS,
    ("tickets", "GET", "/work-orders"): DESK,
    ("tickets", "GET", "/work-orders/{work_order_id}"): DESK,
    **{("tickets", "POST", f"/work-orders/{{work_order_id}}/{action}"): AGENTS for action in WORK_ORDER_ACTIONS},
    ("tickets", "POST", "/preventive-schedules"): {"manager"},
    ("tickets", "GET", "/preventive-schedules"): DESK,
    ("tickets", "GET", "/preventive-schedules/{schedule_id}"): DESK,
    ("tickets", "POST", "/preventive-schedules/{schedule_id}/retire"): {"manager"},
    ("assets", "POST", "/devices"): AGENTS,
    ("assets", "POST", "/devices/import"): AGENTS,
    ("assets", "GET", "/devices"): {"staff", *DESK},
    ("assets", "GET", "/devices/{device_id}"): {"staff", *DESK},
    ("assets", "GET", "/devices/{device_id}/history"): DESK,
    **{("assets", "POST", f"/devices/{{device_id}}/{action}"): AGENTS for action in DEVICE_ACTIONS},
    ("assets", "GET", "/inventory/mbn-counts"): DESK,
    ("assets", "GET", "/inventory/unknown-device-tickets"): DESK,
    ("assets", "GET", "/devices/{device_id}/repairs"): DESK,
    ("assets", "GET", "/inventory/mtbf"): DESK,
    ("assets", "GET", "/repairs/unmatched"): DESK,
    ("assets", "GET", "/devices/{device_id}/amortization"): DESK,
    ("assets", "POST", "/software"): AGENTS,
    ("assets", "GET", "/software"): DESK,
    ("assets", "GET", "/software/{title_id}"): DESK,
    ("assets", "POST", "/licences"): AGENTS,
    ("assets", "GET", "/licences"): DESK,
    ("assets", "GET", "/licences/{licence_id}"): DESK,
    ("assets", "POST", "/licences/{licence_id}/renew"): AGENTS,
    ("assets", "POST", "/devices/{device_id}/software"): AGENTS,
    ("assets", "GET", "/devices/{device_id}/software"): DESK,
    ("assets", "GET", "/devices/{device_id}/software/{licence_id}"): DESK,
    ("assets", "POST", "/devices/{device_id}/software/{licence_id}/release"): AGENTS,
    ("assets", "POST", "/audits"): AGENTS,
    ("assets", "GET", "/audits"): DESK,
    ("assets", "GET", "/audits/{audit_id}"): DESK,
    ("assets", "POST", "/audits/{audit_id}/scans"): AGENTS,
    ("assets", "POST", "/audits/{audit_id}/close"): AGENTS,
    ("assets", "GET", "/inventory/unaudited"): DESK,
    ("assets", "POST", "/accounts"): AGENTS,
    ("assets", "GET", "/accounts"): {"staff", *DESK},  # staff find only their own accounts
    ("assets", "GET", "/accounts/flagged"): DESK,
    ("assets", "GET", "/accounts/{account_id}"): {"staff", *DESK},
    **{("assets", "POST", f"/accounts/{{account_id}}/{action}"): AGENTS
       for action in ("disable", "enable", "lock", "unlock", "deprovision")},
    ("assets", "POST", "/accounts/{account_id}/password-resets"): PARTICIPANTS,  # staff: their own, by the portal
    ("assets", "GET", "/password-resets/{reset_id}"): {"staff", *DESK},
    **{("assets", "POST", f"/password-resets/{{reset_id}}/{action}"): AGENTS
       for action in ("verify", "complete", "cancel")},
    ("assets", "POST", "/people/{person_id}/departure"): AGENTS,
    ("assets", "GET", "/me/notices"): {"staff", *DESK},  # each their own notices, nobody another's
    ("assets", "GET", "/me/notices/{notice_id}"): {"staff", *DESK},
    ("assets", "POST", "/me/notices/{notice_id}/acknowledge"): {"staff", *DESK},
    ("assets", "POST", "/notices"): {"manager"},
    ("assets", "POST", "/prefixes"): AGENTS,
    ("assets", "GET", "/prefixes"): DESK,
    ("assets", "GET", "/prefixes/{prefix_id}"): DESK,
    ("assets", "POST", "/prefixes/{prefix_id}/dhcp-ranges"): AGENTS,
    ("assets", "POST", "/prefixes/{prefix_id}/reservations"): AGENTS,
    ("assets", "POST", "/prefixes/{prefix_id}/allocations"): AGENTS,
    ("assets", "GET", "/prefixes/{prefix_id}/allocations"): DESK,
    ("assets", "GET", "/allocations/{allocation_id}"): DESK,
    ("assets", "POST", "/allocations/{allocation_id}/release"): AGENTS,
    ("assets", "GET", "/devices/{device_id}/addresses"): DESK,
    ("assets", "POST", "/devices/{device_id}/protection"): AGENTS,
    ("assets", "GET", "/devices/{device_id}/protection"): DESK,
    ("assets", "GET", "/protection/requirements"): DESK,
    ("assets", "PUT", "/protection/requirements"): {"manager"},
    ("assets", "GET", "/protection/gaps"): DESK,
    ("assets", "POST", "/protection/gaps/work-orders"): AGENTS,
    ("assets", "POST", "/advisories"): AGENTS,
    ("assets", "GET", "/advisories"): DESK,
    ("assets", "GET", "/advisories/{advisory_id}"): DESK,
    ("assets", "GET", "/advisories/{advisory_id}/exposure"): DESK,
    ("assets", "POST", "/advisories/{advisory_id}/remediations"): AGENTS,
    # The money side: managers own contracts, budgets, spending and approvals; the desk reads contracts; budgets
    # and spending are read by managers and auditors.
    ("assets", "POST", "/contracts"): {"manager"},
    ("assets", "GET", "/contracts"): DESK,
    ("assets", "GET", "/contracts/{contract_id}"): DESK,
    ("assets", "POST", "/contracts/{contract_id}/renew"): {"manager"},
    ("assets", "POST", "/contracts/{contract_id}/terminate"): {"manager"},
    ("assets", "PUT", "/budgets/{fiscal_year}"): {"manager"},
    ("assets", "GET", "/budgets/{fiscal_year}"): {"manager", "auditor"},
    ("assets", "POST", "/budgets/{fiscal_year}/amendments"): {"manager"},
    ("assets", "GET", "/budgets/{fiscal_year}/variance"): {"manager", "auditor"},
    ("assets", "POST", "/commitments"): {"manager"},
    ("assets", "GET", "/commitments"): {"manager", "auditor"},
    ("assets", "GET", "/commitments/{commitment_id}"): {"manager", "auditor"},
    ("assets", "POST", "/commitments/{commitment_id}/close"): {"manager"},
    ("assets", "POST", "/expenditures"): {"manager"},
    ("assets", "GET", "/expenditures"): {"manager", "auditor"},
    ("assets", "GET", "/expenditures/{expenditure_id}"): {"manager", "auditor"},
    ("assets", "POST", "/purchase-requests"): PARTICIPANTS,  # staff ask for themselves
    ("assets", "GET", "/purchase-requests"): {"staff", *DESK},  # staff their own
    ("assets", "GET", "/purchase-requests/{request_id}"): {"staff", *DESK},
    ("assets", "POST", "/purchase-requests/{request_id}/recommend"): AGENTS,
    ("assets", "POST", "/purchase-requests/{request_id}/approve"): {"manager"},
    ("assets", "POST", "/purchase-requests/{request_id}/reject"): {"manager"},
    ("assets", "POST", "/purchase-requests/{request_id}/order"): {"manager"},
    ("assets", "POST", "/purchase-requests/{request_id}/receive"): AGENTS,
    ("assets", "GET", "/refresh-plan"): {"manager", "auditor"},
    ("assets", "POST", "/refresh-plan/{fiscal_year}/adopt"): {"manager"},
    ("assets", "POST", "/model-prices"): {"manager"},
    ("assets", "GET", "/model-prices"): DESK,
    # Training: technicians (and trainers) act, managers own the catalogue and the policy, auditors read, staff see
    # sessions and courses and enrol or withdraw themselves.
    ("training", "GET", "/training-policy"): {"staff", *DESK},
    ("training", "PUT", "/training-policy"): {"manager"},
    ("training", "POST", "/orientations"): AGENTS,
    ("training", "GET", "/orientations"): DESK,
    ("training", "GET", "/orientations/{orientation_id}"): DESK,
    ("training", "POST", "/orientations/{orientation_id}/complete"): AGENTS,
    ("training", "POST", "/courses"): {"manager"},
    ("training", "GET", "/courses"): {"staff", *DESK},
    ("training", "GET", "/courses/{course_id}"): {"staff", *DESK},
    ("training", "POST", "/sessions"): AGENTS,
    ("training", "GET", "/sessions"): {"staff", *DESK},
    ("training", "GET", "/sessions/{session_id}"): {"staff", *DESK},
    ("training", "POST", "/sessions/{session_id}/enrolments"): PARTICIPANTS,  # staff only themselves
    ("training", "POST", "/sessions/{session_id}/withdrawals"): PARTICIPANTS,
    ("training", "POST", "/sessions/{session_id}/capacity"): AGENTS,
    ("training", "POST", "/sessions/{session_id}/cancel"): AGENTS,
    ("training", "POST", "/sessions/{session_id}/attendance"): AGENTS,
    ("training", "GET", "/me/training"): {"staff", *DESK},  # each their own training
    ("training", "POST", "/training-requests"): PARTICIPANTS,  # staff for themselves
    ("training", "GET", "/training-requests"): {"staff", *DESK},  # staff their own
    ("training", "GET", "/training-requests/{request_id}"): {"staff", *DESK},
    ("training", "POST", "/training-requests/{request_id}/schedule"): AGENTS,
    ("training", "POST", "/training-requests/{request_id}/deliver"): AGENTS,
    ("training", "POST", "/training-requests/{request_id}/cancel"): PARTICIPANTS,  # staff their own
    ("training", "POST", "/articles"): AGENTS,
    ("training", "GET", "/articles"): {"staff", *DESK},  # staff published articles only
    ("training", "GET", "/articles/{article_id}"): {"staff", *DESK},
    ("training", "PUT", "/articles/{article_id}"): AGENTS,
    ("training", "POST", "/articles/{article_id}/publish"): AGENTS,
    ("training", "POST", "/articles/{article_id}/retire"): AGENTS,
    ("training", "POST", "/articles/{article_id}/helpful"): {"staff"},
    ("training", "GET", "/articles/{article_id}/versions"): DESK,
    ("training", "GET", "/knowledge/deflections"): DESK,
    ("metrics", "GET", "/audit"): {"manager", "auditor", "reporting"},
    ("metrics", "GET", "/kpis/tickets-opened"): {"manager", "auditor", "reporting"},
    ("metrics", "GET", "/kpis"): {"manager", "auditor", "reporting"},  # the KPI definitions, every version
    ("metrics", "GET", "/kpis/{kpi_id}"): {"manager", "auditor", "reporting"},  # a KPI's series, JSON or CSV
    ("metrics", "POST", "/mbn/inputs"): {"manager"},  # reference figures from outside IT, with provenance
    ("metrics", "GET", "/mbn/inputs"): {"manager", "auditor", "reporting"},
    ("metrics", "POST", "/mbn/fiscal-years/{year}/close"): {"manager"},
    ("metrics", "GET", "/mbn/results"): {"manager", "auditor", "reporting"},
    ("metrics", "GET", "/mbn/results/{measure}"): {"manager", "auditor", "reporting"},
    ("metrics", "GET", "/mbn/results/{measure}/devices"): {"manager", "auditor", "reporting"},  # what it counted
    ("metrics", "GET", "/mbn/amortization"): {"manager", "auditor", "reporting"},  # what it counted
    ("metrics", "GET", "/mbn/results/{measure}/spending"): {"manager", "auditor", "reporting"},  # INTN243's actuals
    ("metrics", "GET", "/mbn/definitions"): {"manager", "auditor", "reporting"},
    ("metrics", "GET", "/mbn/benchmark"): {"manager", "auditor", "reporting"},
}
QUERY = {"entity_id": "anything", "from": "2026-01-01", "to": "2026-01-02", "as_of": "2026-01-01"}


def business_routes(service: str, app) -> list[tuple[str, str, str]]:
    """Every documented operation; the operational routes are left out of the OpenAPI document."""
    return [(service, method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops]


async def call(client, method: str, path: str, headers: dict):
    url = re.sub(r"\{[a-z_]+\}", str(uuid4()), path)
    body = {} if method in ("POST", "PUT") else None
    return await client.request(method, url, params=QUERY, json=body, headers=headers)


async def test_every_endpoint_of_every_service_lets_in_exactly_the_roles_the_policy_names(settings_for, db, tokens):
    async with suite_of(settings_for, *SERVICES, broker=False) as suite:
        routes = [r for service, app in suite.apps.items() for r in business_routes(service, app)]
        assert set(routes) == set(ALLOWED), "every route must be in the policy, and every policy entry a route"
        for service, method, path in routes:
            client = suite.clients[service]
            assert (await call(client, method, path, {})).status_code == 401, (method, path)
            for role in ROLES:
                status = (await call(client, method, path, tokens.headers(role))).status_code
                allowed = role in ALLOWED[(service, method, path)]
                assert (status not in (401, 403)) if allowed else (status == 403), (role, method, path, status)
