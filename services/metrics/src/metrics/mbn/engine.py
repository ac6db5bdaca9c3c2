"""The MBN engine, pure: a fiscal year's submitted figures in, each measure's numerator, denominator and result out.

A submission gives the engine two kinds of figure: `inputs` (statistics, counts and numerator parts, by input
id) and, for the public set, the numerator and denominator `reported` with each measure's row. The engine
never sees a published result. What it computes from the inputs wins; where a reported figure disagrees with
it (a late revision), or stands in for inputs the year did not have (before the input statistics existed),
the reported figure is used and the result carries a flag saying so, as MBN's own data checks would.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext

from metrics.mbn.definitions import RULE_INPUTS, Definition, Kind, definitions_for


@dataclass(frozen=True)
class Reported:
    """The figures a measure's row carried in a published submission."""

    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True)
class Flag:
    code: str
    detail: str


@dataclass(frozen=True)
class Result:
    definition: Definition
    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    numerator_from: tuple[str, ...] = ()  # the inputs counted, in the order the definition names them
    denominator_from: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()
    ratio: Decimal | None = None  # the quotient before rounding, to RATIO_DECIMALS: for rounding to fewer decimals

    @property
    def measure(self) -> str:
        return self.definition.measure

    @property
    def counted(self) -> tuple[str, ...]:
        return self.numerator_from + self.denominator_from


@dataclass(frozen=True)
class Part:
    """A numerator or a denominator, with the inputs it came from and anything worth a flag."""

    value: Decimal | None
    counted: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()


NOTHING = Reported()
# Some municipalities published fewer decimals than others in the same year (London's INTN216 for 2005 is
# 0.092, Durham's 0.0702): the quotient is kept to far more, so it rounds to any published precision exactly.
RATIO_DECIMALS = 12
# Wide enough that no quotient of bounded figures is rounded before it is quantized (the default keeps 28 digits).
_EXACT = Context(prec=60)


def compute(
    fiscal_year: int, inputs: Mapping[str, Decimal], reported: Mapping[str, Reported] | None = None
) -> list[Result]:
    """Every measure in force in the fiscal year, parts before the measures that add them up."""
    results: dict[str, Result] = {}
    for definition in definitions_for(fiscal_year):
        results[definition.measure] = compute_one(
            definition, inputs, (reported or {}).get(definition.measure, NOTHING), results
        )
    return list(results.values())


def compute_one(
    definition: Definition, inputs: Mapping[str, Decimal], reported: Reported, earlier: Mapping[str, Result]
) -> Result:
    """One measure; `earlier` holds the results of the measures its numerator adds up."""
    if definition.kind is not Kind.RATIO:
        return _submitted(definition, inputs)
    numerator = _numerator(definition, inputs, reported.numerator, earlier)
    denominator = _denominator(definition, inputs, reported.denominator)
    ratio, division = _divided(numerator.value, denominator.value)
    value = None if ratio is None else at_precision(ratio, definition.precision)
    return Result(
        definition,
        value,
        numerator.value,
        denominator.value,
        numerator.counted,
        denominator.counted,
        numerator.flags + denominator.flags + division,
        ratio,
    )


def _submitted(definition: Definition, inputs: Mapping[str, Decimal]) -> Result:
    [input_id] = definition.inputs
    value = inputs.get(input_id)
    if value is None:
        gap = () if definition.optional else (Flag("missing_input", f"no {input_id} for the year"),)
        return Result(definition, None, flags=gap)
    return Result(definition, value, numerator_from=(input_id,))


def _numerator(
    definition: Definition, inputs: Mapping[str, Decimal], reported: Decimal | None, earlier: Mapping[str, Result]
) -> Part:
    parts = {i: inputs.get(i) for i in definition.inputs}
    parts |= {m: earlier[m].numerator if m in earlier else None for m in definition.measures}
    missing = [name for name, value in parts.items() if value is None]
    if missing:
        if reported is not None:  # the figure submitted with the measure's row: its parts were not given
            return Part(reported)
        return _flagged(None, "missing_numerator", f"no figure for {', '.join(missing)}")
    total = sum(parts.values(), Decimal(0))
    if reported is not None and reported != total:
        return _flagged(reported, "numerator_differs", f"reported {reported}, its parts add up to {total}:"
                        " the reported figure is used")  # fmt: skip
    return Part(total, definition.inputs + tuple(i for m in definition.measures for i in earlier[m].numerator_from))


def _denominator(definition: Definition, inputs: Mapping[str, Decimal], reported: Decimal | None) -> Part:
    by_rule = _by_rule(definition, inputs)
    if by_rule.value is None:
        if reported is None:
            return by_rule
        return _flagged(reported, "denominator_as_reported", "no input statistics for the year: the denominator"
                        " reported with the measure is used")  # fmt: skip
    if reported is None or reported == by_rule.value:
        return by_rule
    return _flagged(reported, "denominator_differs", f"reported {reported}; {by_rule.counted[0]} gives"
                    f" {by_rule.value}: the reported figure is used")  # fmt: skip


def _flagged(value: Decimal | None, code: str, detail: str) -> Part:
    return Part(value, flags=(Flag(code, detail),))


def _by_rule(definition: Definition, inputs: Mapping[str, Decimal]) -> Part:
    """The published rule: the override when given, else the figure it overrides."""
    override, fallback = RULE_INPUTS[definition.denominator]
    chosen = override if inputs.get(override) is not None else fallback
    value = inputs.get(chosen)
    if value is None:
        return _flagged(None, "missing_denominator", f"no {fallback} (nor {override}) for the year")
    if definition.whole_denominator:
        value = value.to_integral_value(rounding=ROUND_DOWN)
    return Part(value, (chosen,))


def _divided(numerator: Decimal | None, denominator: Decimal | None) -> tuple[Decimal | None, tuple[Flag, ...]]:
    if numerator is None or denominator is None:
        return None, ()
    if denominator == 0:
        return None, (Flag("zero_denominator", "the denominator is zero: no result"),)
    with localcontext(_EXACT):
        return at_precision(numerator / denominator, RATIO_DECIMALS), ()


def at_precision(value: Decimal, decimals: int | None) -> Decimal:
    """Rounded half up to `decimals` places, as MBN publishes results; None keeps the value as it is."""
    if decimals is None:
        return value
    with localcontext(_EXACT):
        return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
