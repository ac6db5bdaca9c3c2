"""How much of a published long-form file the engine reproduces from the file's submitted figures alone.

Each published result is compared at its own published precision: the engine's quotient rounded half up to the
decimals the file prints. (In 2005-2007 some municipalities published 3 decimals where others published 4.)
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from metrics.mbn import engine, longform
from metrics.mbn.definitions import COMPUTED, PUBLISHED_ORDER


@dataclass(frozen=True)
class Difference:
    fiscal_year: int
    municipality: str
    measure: str
    published: str
    engine: Decimal | None
    why: str


@dataclass
class Comparison:
    reproduced: Counter = field(default_factory=Counter)
    published: Counter = field(default_factory=Counter)
    differences: list[Difference] = field(default_factory=list)
    flags: Counter = field(default_factory=Counter)  # (measure, flag code) of the results compared

    def lines(self) -> list[str]:
        """The report: per measure, the totals, each difference, and the flags raised."""
        out = [
            f"{m:<9} {self.reproduced[m]:>4} of {self.published[m]:>4} published results reproduced"
            + ("" if m in COMPUTED else " (submitted as they are)")
            for m in PUBLISHED_ORDER
            if self.published[m]
        ]
        ours = [m for m in PUBLISHED_ORDER if m in COMPUTED]
        done, total = sum(self.reproduced[m] for m in ours), sum(self.published[m] for m in ours)
        out.append(f"computed measures ({', '.join(ours)}): {done} of {total} reproduced at their published precision")
        out.append(f"differences: {len(self.differences) or 'none'}")
        out += [
            f"  {d.fiscal_year} {d.municipality} {d.measure}: published {d.published}, engine {d.engine} ({d.why})"
            for d in self.differences
        ]
        out += [
            f"flagged: {count} {measure} results with {code}" for (measure, code), count in sorted(self.flags.items())
        ]
        return out


def decimals(printed: str) -> int:
    """The decimals a published cell shows ('0.6699' 4, '1.3' 1, '4605.0' 0): a float's trailing zero is not one."""
    return max(0, -Decimal(printed).normalize().as_tuple().exponent)


def compare(text: str) -> Comparison:
    found = Comparison()
    published = longform.published_results(text)
    for submission in longform.read(text).submissions:
        results = engine.compute(submission.fiscal_year, submission.inputs, submission.reported)
        for r in results:
            printed = published.get((submission.fiscal_year, submission.municipality, r.measure))
            if printed is not None:
                _compare(found, submission, r, printed)
    return found


def _compare(found: Comparison, submission: longform.Submission, r: engine.Result, printed: str) -> None:
    found.published[r.measure] += 1
    found.flags.update((r.measure, f.code) for f in r.flags if r.value is not None)
    exact = r.ratio if r.ratio is not None else r.value
    if exact is not None and engine.at_precision(exact, decimals(printed)) == Decimal(printed):
        found.reproduced[r.measure] += 1
        return
    why = "; ".join(f.detail for f in r.flags) or "the figures give another result"
    found.differences.append(
        Difference(submission.fiscal_year, submission.municipality, r.measure, printed, r.value, why)
    )
