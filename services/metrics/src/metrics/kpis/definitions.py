"""The KPI definitions as data: each version's text, unit, how it is computed, its facts, groups and parameters.

A definition is never edited in place: a change of meaning is a new version beside the old one (`current` moves
to it), both series are kept, and `python -m metrics.kpis replay ID@VERSION` computes the new one from the facts.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# What a ticket KPI can be broken down by: the ticket's priority, category, channel and group as they stand.
GROUPS = ("priority", "category", "channel", "group")
# From the stored units (milliseconds of business time, minutes logged, hundredths of an hour) to hours.
HOURS_PER_MILLISECOND, HOURS_PER_MINUTE, HOURS_PER_HUNDREDTH = 1 / 3_600_000, 1 / 60, 1 / 100


class Measure(StrEnum):
    """How a period's value comes from the per-day rows (n things adding up to total) or the samples."""

    SUM = "sum"  # the period's totals added up
    MEAN = "mean"  # the period's totals over its n (times 100 for a percent)
    MEDIAN = "median"  # the median of the period's samples
    DISTINCT = "distinct"  # how many different people the period's samples name
    STOCK = "stock"  # the total as at the period's last day: every earlier day's changes added up
    STOCK_MEAN = "stock_mean"  # total over n, both as at the period's last day
    STOCK_AGE = "stock_age"  # the period's last day minus the mean starting day, as at that day
    PER_REPAIR = "per_repair"  # days that the stock of `derived_from[0]` held, over the repairs of `derived_from[1]`
    PER_FTE = "per_fte"  # `derived_from[0]`'s total over the supported FTE of the period's fiscal year


STOCKS = frozenset({Measure.STOCK, Measure.STOCK_MEAN, Measure.STOCK_AGE})
SAMPLED = frozenset({Measure.MEDIAN, Measure.DISTINCT})
DERIVED = frozenset({Measure.PER_REPAIR, Measure.PER_FTE})


@dataclass(frozen=True)
class Kpi:
    """One version of a KPI. `facts` names the facts it is computed from (none when `derived_from` others)."""

    id: str
    version: int
    name: str
    text: str  # what it means
    computed: str  # how it is computed from the events
    unit: str
    measure: Measure
    facts: str = ""
    groups: tuple[str, ...] = ()
    parts: str = ""  # what each value is split into (age bucket, SLA clock, device class, model), if anything
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    scale: float = 1.0  # from the stored unit (milliseconds, minutes, days) to the KPI's; a percent is 100 x the mean
    decimals: int = 2
    derived_from: tuple[str, ...] = ()
    current: bool = True

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def percent(self) -> bool:
        return self.unit == "percent"


_DESK = "ticket"
_BUSINESS = (
    "Business time on the tenant's desk calendar (its time zone, working hours and holidays), pending time"
    " excluded, exactly as the tickets service's SLA clocks count it."
)


def _desk(id: str, name: str, text: str, computed: str, unit: str, measure: Measure, version: int = 1, **more) -> Kpi:
    return Kpi(id, version, name, text, computed, unit, measure, _DESK, GROUPS, **more)


def _fcr(version: int, window: int | None, current: bool) -> Kpi:
    """First-contact resolution as the tickets service derives it; `window`: a reopening later than that many days
    after the resolution is a new problem, not held against the first contact (None: every reopening is)."""
    if window is None:
        reopened = "ever reopened (the desk refuses a reopening after its policy's window): the tickets service's flag"
    else:
        reopened = f"reopened within {window} days of a resolution"
    return _desk(
        "desk.first-contact-resolution", "First-contact resolution",
        "Share of resolved tickets that whoever took them first resolved, with no further help and no return.",
        f"Per local day of the (final) resolution: tickets with at most one assignment, no escalation, no request"
        f" for information, and not {reopened}; over the tickets resolved.",
        "percent", Measure.MEAN, version=version, params={"reopen_window_days": window}, current=current,
    )  # fmt: skip


def _assets(id: str, name: str, text: str, computed: str, unit: str, measure: Measure, **more) -> Kpi:
    return Kpi(id, 1, name, text, computed, unit, measure, "device", **more)


# fmt: off
DEFINITIONS: tuple[Kpi, ...] = (
    _desk("desk.tickets-opened", "Tickets opened", "Tickets opened.", "Per local day the ticket was opened.",
          "tickets", Measure.SUM, decimals=0),
    _desk("desk.tickets-closed", "Tickets closed", "Tickets closed (confirmed or closed automatically).",
          "Per local day of the ticket's closure; a reopened ticket counts again when it closes again.",
          "tickets", Measure.SUM, decimals=0),
    _desk("desk.backlog", "Backlog", "Tickets not yet resolved or cancelled at the end of the period, by age.",
          "Open from opening to resolution or cancellation, and again from a reopening; the age is the whole"
          " local days since the ticket was opened.", "tickets", Measure.STOCK, parts="age", decimals=0),
    _desk("desk.time-to-acknowledge", "Mean time to acknowledge", "Mean time to the first response.",
          f"Per local day of the first response (acknowledged, a public reply, a question or the resolution):"
          f" the response clock. {_BUSINESS}", "business hours", Measure.MEAN, scale=HOURS_PER_MILLISECOND),
    _desk("desk.time-to-acknowledge-median", "Median time to acknowledge", "Median time to the first response.",
          "The median of the response clocks stopped in the period.", "business hours", Measure.MEDIAN,
          scale=HOURS_PER_MILLISECOND),
    _desk("desk.time-to-resolve", "Mean time to resolve", "Mean time to resolution.",
          f"Per local day of the (final) resolution: the resolution clock, reopened stretches excluded. {_BUSINESS}",
          "business hours", Measure.MEAN, scale=HOURS_PER_MILLISECOND),
    _desk("desk.time-to-resolve-median", "Median time to resolve", "Median time to resolution.",
          "The median of the resolution clocks stopped in the period.", "business hours", Measure.MEDIAN,
          scale=HOURS_PER_MILLISECOND),
    _desk("desk.sla-compliance", "SLA compliance", "Share of SLA clocks stopped within their target, per target.",
          "Per local day a clock stopped (response, resolution): met when its business time did not exceed the"
          " target the desk policy set for the ticket's priority and category when it stopped.", "percent",
          Measure.MEAN, parts="clock"),
    _fcr(1, 3, current=False),
    _fcr(2, None, current=True),
    _desk("desk.reopen-rate", "Reopen rate", "Share of resolved tickets that were reopened.",
          "Per local day of the first resolution: tickets reopened since, over the tickets first resolved.",
          "percent", Measure.MEAN),
    _desk("desk.reassignments-per-ticket", "Reassignments per ticket", "How often a ticket changed hands.",
          "Per local day of the (final) resolution: assignments after the first, plus escalations, per ticket.",
          "reassignments", Measure.MEAN),
    _desk("desk.satisfaction", "Satisfaction", "The requesters' mean satisfaction score (1 to 5).",
          "Per local day the score was recorded.", "score", Measure.MEAN),
    Kpi("work.orders-completed", 1, "Work orders completed", "Work orders completed.",
        "Per local day of completion.", "work orders", Measure.SUM, "work_order", decimals=0),
    Kpi("work.hours-logged", 1, "Hours logged", "Technicians' time logged on work orders.",
        "Per local day of each time entry.", "hours", Measure.SUM, "work_order", scale=HOURS_PER_MINUTE),
    _assets("assets.devices", "Devices", "Devices the city owns and still has, per MBN class.",
            "In the inventory from entering stock (registered in stock, or received) until disposed of, lost or"
            " stolen, as the MBN counts it.", "devices", Measure.STOCK, parts="class", decimals=0),
    _assets("assets.average-age", "Average device age", "Mean age of the devices owned, per MBN class.",
            "From the purchase date (or entering stock when none is known) to the period's last day.", "years",
            Measure.STOCK_AGE, parts="class", scale=1 / 365.25),
    _assets("assets.past-warranty", "Devices past warranty", "Share of owned devices whose warranty has ended.",
            "Devices owned with a known warranty end: those past it, as at the period's last day.", "percent",
            Measure.STOCK_MEAN, parts="class"),
    _assets("assets.operating-devices", "Devices operating", "Devices in operation, per model.",
            "From first deployment (or entering stock, never deployed) until retired, disposed of, lost or"
            " stolen: the operating time the assets service's MTBF counts.", "devices", Measure.STOCK,
            parts="model", decimals=0),
    _assets("assets.repairs", "Repairs", "Repairs the desk logged, per model.",
            "Per local day the repair was logged, in the device's history.", "repairs", Measure.SUM,
            parts="model", decimals=0),
    Kpi("assets.mtbf", 1, "Mean time between failures", "Operating time per repair, per model.",
        "Device-days operating in the period (a device operating at the end of a local day counts that day) over"
        " the repairs logged in it.", "days", Measure.PER_REPAIR, parts="model",
        derived_from=("assets.operating-devices@1", "assets.repairs@1")),
    _assets("assets.audit-coverage", "Audit coverage", "Share of owned devices a physical audit found in the"
            " 12 months up to the period's last day.", "Devices owned, found (where expected or elsewhere) by"
            " an audit closed in the 365 days up to that day, over the devices owned.", "percent",
            Measure.STOCK_MEAN),
    _assets("assets.disposals-sanitized", "Disposals with a sanitization record",
            "Share of disposed devices holding storage that were sanitized first.",
            "Per local day of disposal: devices with storage with a NIST SP 800-88 sanitization recorded before,"
            " over the devices with storage disposed of.", "percent", Measure.MEAN),
    Kpi("training.hours", 1, "Training hours", "Hours of training delivered, all people together.",
        "Per local day of each delivery (orientation, session attendance, training on request).", "hours",
        Measure.SUM, "delivery", scale=HOURS_PER_HUNDREDTH),
    Kpi("training.people-trained", 1, "People trained", "Different people trained in the period.",
        "Distinct people with a training delivered in the period.", "people", Measure.DISTINCT, "delivery",
        decimals=0),
    Kpi("training.hours-per-fte", 1, "Training hours per FTE", "Training hours per supported municipal FTE.",
        "The period's training hours over the supported FTE of its fiscal year (INTN011 when recorded, else"
        " INTN010, through /mbn/inputs); none without an FTE figure.", "hours per FTE", Measure.PER_FTE,
        derived_from=("training.hours@1",), decimals=4),
    Kpi("training.orientation-within-due", 1, "Orientation within due time",
        "Share of orientations due in the period that were held by their due date.",
        "Per due date: orientations completed within it (as the training service judged it), over those due.",
        "percent", Measure.MEAN, "orientation"),
)
# fmt: on


def versions(kpi_id: str) -> list[Kpi]:
    return [kpi for kpi in DEFINITIONS if kpi.id == kpi_id]


def current(kpi_id: str) -> Kpi | None:
    return next((kpi for kpi in versions(kpi_id) if kpi.current), None)


def by_key(key: str) -> Kpi | None:
    """The definition `id@version` names."""
    return next((kpi for kpi in DEFINITIONS if kpi.key == key), None)


def computed_from(facts: str) -> list[Kpi]:
    """The definitions whose series the facts of that kind feed (every version: each keeps its own series)."""
    return [kpi for kpi in DEFINITIONS if kpi.facts == facts]
