"""The MBNCanada IT measures as data: each version's numerator, denominator rule, unit, precision and fiscal years.

The texts are the published ones (`metrics.mbn.texts`); what this module adds is what the published results
show about how they were computed from the submitted figures:

- results are rounded half up at the measure's precision; INTN212/214/216 were published to 4 decimals up to
  fiscal 2007 and INTN250 up to 2007 (the `@2005`/`@2006` versions), to 3 from 2008 (`@2018`, the text as
  published with the 2018 results);
- INTN243 and INTN243T divide by the supported FTE truncated to whole FTE: every 2014-2018 result does so
  (Halton 2014: 9,522,164 / 2,068 = 4,605, where 2,068.3 would give 4,604);
- both cost measures were first published for fiscal 2014, a year before their `year_created`, and open
  data sets (INTN810) for 2012.
"""

from dataclasses import dataclass
from enum import StrEnum

from metrics.mbn.texts import PUBLISHED, PublishedText


class Kind(StrEnum):
    INPUT = "input"  # a statistic submitted as it is: population, FTE
    COUNT = "count"  # a result that is itself a submitted count: online services, open data sets
    RATIO = "ratio"  # a numerator over a denominator


class Denominator(StrEnum):
    POPULATION = "population"  # INTN002 (override population) when given, else INTN001
    SUPPORTED_FTE = "supported_fte"  # INTN011 (supported FTE override) when given, else INTN010 (budgeted FTE)


# Each rule's override first, then what it falls back to.
RULE_INPUTS = {Denominator.POPULATION: ("INTN002", "INTN001"), Denominator.SUPPORTED_FTE: ("INTN011", "INTN010")}


@dataclass(frozen=True)
class Definition:
    """One version of a measure; `inputs` and `measures` are the parts its numerator adds up."""

    measure: str
    version: str
    kind: Kind
    unit: str
    first_year: int
    last_year: int | None = None  # None: still in force
    precision: int | None = None  # decimals of the published result; None: as submitted
    inputs: tuple[str, ...] = ()  # the recorded inputs the numerator adds up (for INPUT and COUNT: the figure)
    measures: tuple[str, ...] = ()  # other measures whose numerators it adds up
    denominator: Denominator | None = None
    whole_denominator: bool = False  # the denominator truncated to a whole number before dividing
    optional: bool = False  # an override: absent is the normal case, not a gap

    @property
    def id(self) -> str:
        return f"{self.measure}@{self.version}"

    @property
    def text(self) -> PublishedText:
        return PUBLISHED[self.measure]

    def applies_to(self, fiscal_year: int) -> bool:
        return self.first_year <= fiscal_year and (self.last_year is None or fiscal_year <= self.last_year)


@dataclass(frozen=True)
class Input:
    """A figure a manager records for a fiscal year: a statistic, a count, or one part of a numerator."""

    id: str
    name: str
    unit: str
    decimals: int  # the most decimals a value may have: 0 for counts, 2 for money
    may_be_negative: bool = False
    needs_reason: bool = False  # an override: the note says why the figure differs from the one it replaces


_FTE = "full-time equivalents"
_COST = "dollars"
_COST_PARTS = {
    "salaries_wages_benefits": "Salaries, wages and employee benefits",
    "materials": "Materials",
    "contracted_services": "Contracted services",
    "rents_financial_expenses": "Rents and financial expenses",
    "external_transfers": "External transfers",
    "interfunctional_adjustments": "Inter-functional adjustments",
    "program_support_allocation": "Allocation of program support",
}
COST_COMPONENTS = tuple(f"INTN243.{part}" for part in _COST_PARTS)
AMORTIZATION = "INTN243T.amortization"
DEVICE_COUNTS = ("INTN212", "INTN214", "INTN216")  # as at fiscal-year close: assets' counts plug in here

INPUTS: dict[str, Input] = {
    i.id: i
    for i in (
        Input("INTN001", "Population", "persons", 0),
        Input("INTN002", "Override population (the service area's)", "persons", 0, needs_reason=True),
        Input("INTN010", "Total budgeted municipal FTE", _FTE, 2),
        Input("INTN011", "Total supported municipal FTE, where it differs from the budgeted", _FTE, 2,
              needs_reason=True),
        Input("INTN105", "Visitor sessions on the main municipal website in the year", "sessions", 0),
        Input("INTN212", "Laptops and tablets in the inventory at fiscal-year close", "devices", 0),
        Input("INTN214", "Desktops and thin clients in the inventory at fiscal-year close", "devices", 0),
        Input("INTN216", "Smartphones in the inventory at fiscal-year close", "devices", 0),
        *(Input(f"INTN243.{part}", f"IT operating cost: {name.lower()}", _COST, 2,
                may_be_negative=part == "interfunctional_adjustments")
          for part, name in _COST_PARTS.items()),
        Input(AMORTIZATION, "Amortization of IT tangible capital assets in the year", _COST, 2),
        Input("INTN250", "IT professionals in the organization", _FTE, 2),
        Input("INTN800", "Online transactional services offered", "services", 0),
        Input("INTN810", "Open data sets available under an open data licence", "data sets", 0),
    )
}  # fmt: skip

_PER_FTE = "per supported municipal FTE"


def _devices(measure: str) -> tuple[Definition, Definition]:
    return (
        Definition(measure, "2005", Kind.RATIO, f"devices {_PER_FTE}", 2005, 2007, 4, inputs=(measure,),
                   denominator=Denominator.SUPPORTED_FTE),
        Definition(measure, "2018", Kind.RATIO, f"devices {_PER_FTE}", 2008, None, 3, inputs=(measure,),
                   denominator=Denominator.SUPPORTED_FTE),
    )  # fmt: skip


# Parts before the measures that add them up (INTN212/214/216 before INTN205); answers use PUBLISHED_ORDER.
DEFINITIONS: tuple[Definition, ...] = (
    Definition("INTN001", "2018", Kind.INPUT, "persons", 2005, inputs=("INTN001",)),
    Definition("INTN002", "2018", Kind.INPUT, "persons", 2005, inputs=("INTN002",), optional=True),
    Definition("INTN010", "2018", Kind.INPUT, _FTE, 2005, inputs=("INTN010",)),
    Definition("INTN011", "2018", Kind.INPUT, _FTE, 2005, inputs=("INTN011",), optional=True),
    Definition("INTN105", "2018", Kind.RATIO, "sessions per capita", 2004, None, 2, inputs=("INTN105",),
               denominator=Denominator.POPULATION),
    *_devices("INTN212"),
    *_devices("INTN214"),
    *_devices("INTN216"),
    Definition("INTN205", "2018", Kind.RATIO, f"devices {_PER_FTE}", 2004, None, 2, measures=DEVICE_COUNTS,
               denominator=Denominator.SUPPORTED_FTE),
    Definition("INTN243", "2018", Kind.RATIO, f"dollars {_PER_FTE}", 2014, None, 0, inputs=COST_COMPONENTS,
               denominator=Denominator.SUPPORTED_FTE, whole_denominator=True),
    Definition("INTN243T", "2018", Kind.RATIO, f"dollars {_PER_FTE}", 2014, None, 0, inputs=(AMORTIZATION,),
               measures=("INTN243",), denominator=Denominator.SUPPORTED_FTE, whole_denominator=True),
    Definition("INTN250", "2006", Kind.RATIO, f"IT FTE {_PER_FTE}", 2006, 2007, 4, inputs=("INTN250",),
               denominator=Denominator.SUPPORTED_FTE),
    Definition("INTN250", "2018", Kind.RATIO, f"IT FTE {_PER_FTE}", 2008, None, 3, inputs=("INTN250",),
               denominator=Denominator.SUPPORTED_FTE),
    Definition("INTN800", "2018", Kind.COUNT, "services", 2007, inputs=("INTN800",)),
    Definition("INTN810", "2018", Kind.COUNT, "data sets", 2012, inputs=("INTN810",)),
)  # fmt: skip

MEASURES = tuple(dict.fromkeys(d.measure for d in DEFINITIONS))
# The order the long-form file lists measures in.
PUBLISHED_ORDER = tuple(PUBLISHED)
# The measures computed from a numerator and a denominator: their published results are never read.
COMPUTED = frozenset(d.measure for d in DEFINITIONS if d.kind is Kind.RATIO)


def definitions_for(fiscal_year: int) -> tuple[Definition, ...]:
    """The version of each measure in force for the fiscal year, in an order that computes parts first."""
    return tuple(d for d in DEFINITIONS if d.applies_to(fiscal_year))


def definition_of(measure: str, fiscal_year: int) -> Definition | None:
    return next((d for d in definitions_for(fiscal_year) if d.measure == measure), None)


def by_id(definition_id: str) -> Definition | None:
    return next((d for d in DEFINITIONS if d.id == definition_id), None)


def used_in(input_id: str, fiscal_year: int) -> list[str]:
    """The measures of the fiscal year that count the input, in its numerator or by its denominator's rule."""
    return [
        d.measure
        for d in definitions_for(fiscal_year)
        if input_id in d.inputs or (d.denominator and input_id in RULE_INPUTS[d.denominator])
    ]
