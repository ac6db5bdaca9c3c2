"""The MBN engine, definitions, long-form reading and deciders, without I/O."""

import re
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from events.contracts.metrics import (
    BenchmarkSubmissionLoaded,
    FiscalYearClosed,
    InputProvenance,
    ReferenceInputRecorded,
    ReportedFigure,
    Tier,
)
from events.errors import Unprocessable
from events.testing import given
from metrics.mbn import engine, longform
from metrics.mbn.compare import compare
from metrics.mbn.definitions import COST_COMPONENTS, DEFINITIONS, definition_of
from metrics.mbn.domain import (
    BENCHMARK,
    SUBMISSION,
    CloseFiscalYear,
    LoadBenchmarkSubmission,
    RecordReferenceInput,
    submission_id,
)
from metrics.mbn.errors import FiscalYearAlreadyClosed, FiscalYearNotOver, SubmissionEmpty
from metrics.mbn.texts import PUBLISHED

ROOT = Path(__file__).resolve().parents[3]
SUBMITTED = InputProvenance(source="Finance", document="FIR 2024", note="")
IN_2025 = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
HEADER = ",".join(longform.COLUMNS)
FIELDS = ("measure_number", "measure_type_cd", "measure_category", "section_desc", "measure_name",
          "numerator_definition", "denominator_definition", "year_created", "mpmp_measure", "cao_measure")  # fmt: skip


@pytest.fixture(scope="module")
def shared_data() -> Path:
    """../shared/data beside the repository, as CI has it."""
    found = ROOT.parent / "shared" / "data"
    assert (found / "mbnc_it_measure_definitions.txt").exists(), f"the published MBN data belongs in {found}"
    return found


def result(results: list[engine.Result], measure: str) -> engine.Result:
    return next(r for r in results if r.measure == measure)


def flags(r: engine.Result) -> list[str]:
    return [f.code for f in r.flags]


def published_definitions(text: str) -> dict[str, dict[str, str]]:
    """Each block of the published definitions file, field by field (a field's text may span lines)."""
    found = {}
    for block in text.split("-----\n")[1:]:
        parts = re.split(rf"^({'|'.join(FIELDS)}): ?", block.rstrip("\n"), flags=re.MULTILINE)[1:]
        fields = {name: value.rstrip("\n") for name, value in zip(parts[::2], parts[1::2], strict=True)}
        found[fields["measure_number"]] = fields
    return found


def test_the_definitions_carry_the_published_texts_of_every_measure_in_the_file(shared_data):
    published = published_definitions((shared_data / "mbnc_it_measure_definitions.txt").read_text(encoding="utf-8"))
    assert set(published) == set(PUBLISHED) == {d.measure for d in DEFINITIONS}
    for measure, fields in published.items():
        text = PUBLISHED[measure]
        assert (text.name, text.category, text.numerator, text.denominator, text.year_created) == (
            fields["measure_name"], fields["measure_category"], fields["numerator_definition"],
            fields["denominator_definition"], int(fields["year_created"])), measure  # fmt: skip


def test_devices_per_supported_fte_add_up_the_three_counts_over_the_supported_fte_override():
    inputs = {"INTN010": D("3195.8"), "INTN011": D("2129.0"), "INTN212": D(1409), "INTN214": D(1166), "INTN216": D(874)}
    intn205 = result(engine.compute(2018, inputs), "INTN205")
    assert (intn205.value, intn205.numerator, intn205.denominator) == (D("1.62"), 3449, D("2129.0"))
    assert intn205.definition.id == "INTN205@2018"
    assert (intn205.numerator_from, intn205.denominator_from) == (("INTN212", "INTN214", "INTN216"), ("INTN011",))
    without_override = result(engine.compute(2018, {**inputs, "INTN011": None}), "INTN205")
    assert (without_override.value, without_override.denominator_from) == (D("1.08"), ("INTN010",))


def test_sessions_per_capita_divide_by_the_override_population_when_given():
    inputs = {"INTN001": D(430000), "INTN002": D(430512), "INTN105": D(4118498)}
    intn105 = result(engine.compute(2018, inputs), "INTN105")
    assert (intn105.value, intn105.denominator_from) == (D("9.57"), ("INTN002",))


def test_cost_per_fte_divides_by_whole_supported_fte_as_mbn_published_it():
    costs = dict.fromkeys(COST_COMPONENTS, D(0)) | {"INTN243.salaries_wages_benefits": D(9_000_000),
                                                    "INTN243.materials": D(222_164)}  # fmt: skip
    inputs = {**costs, "INTN243.program_support_allocation": D(300_000), "INTN010": D("3081.07"),
              "INTN011": D("2068.3"), "INTN243T.amortization": D(2_954_116)}  # fmt: skip
    results = engine.compute(2014, inputs)
    assert (result(results, "INTN243").value, result(results, "INTN243").denominator) == (D(4605), D(2068))
    assert (result(results, "INTN243T").value, result(results, "INTN243T").numerator) == (D(6033), D(12_476_280))
    assert "INTN243T.amortization" in result(results, "INTN243T").numerator_from
    gap = result(engine.compute(2014, {**inputs, "INTN243.materials": None}), "INTN243")
    assert gap.value is None and flags(gap) == ["missing_numerator"] and "INTN243.materials" in gap.flags[0].detail


def test_a_year_before_the_input_statistics_uses_the_reported_denominator_and_says_so():
    reported = {"INTN205": engine.Reported(D(1695), D("2116.27"))}
    intn205 = result(engine.compute(2004, {}, reported), "INTN205")
    assert (intn205.value, intn205.denominator) == (D("0.80"), D("2116.27"))
    assert flags(intn205) == ["denominator_as_reported"]


def test_reported_figures_that_disagree_with_the_inputs_are_used_and_flagged():
    reported = {"INTN212": engine.Reported(D(40), D(2100)), "INTN214": engine.Reported(D(40), D(2100)),
                "INTN216": engine.Reported(D(30), D(2100)), "INTN205": engine.Reported(D(100), D(2100))}  # fmt: skip
    results = engine.compute(2012, {"INTN010": D(2000)}, reported)
    intn205 = result(results, "INTN205")
    assert (intn205.numerator, intn205.denominator) == (D(100), D(2100))
    assert flags(intn205) == ["numerator_differs", "denominator_differs"]
    assert "INTN010 gives 2000" in intn205.flags[1].detail


def test_results_round_half_up_at_the_precision_of_the_version_in_force():
    inputs = {"INTN010": D(16), "INTN212": D(1), "INTN214": D(0), "INTN216": D(0)}
    in_2005, in_2008 = result(engine.compute(2005, inputs), "INTN212"), result(engine.compute(2008, inputs), "INTN212")
    assert (in_2005.definition.id, in_2005.value) == ("INTN212@2005", D("0.0625"))
    assert (in_2008.definition.id, in_2008.value, in_2008.ratio) == ("INTN212@2018", D("0.063"), D("0.0625"))
    assert definition_of("INTN243", 2013) is None and definition_of("INTN810", 2012) is not None


def test_a_zero_denominator_gives_no_result_and_a_flag():
    zero = result(engine.compute(2018, {"INTN010": D(0), "INTN250": D(12)}), "INTN250")
    assert (zero.value, flags(zero)) == (None, ["zero_denominator"])


def test_long_form_rows_are_read_with_accents_parentheses_blanks_and_no_published_result():
    rows = ["2018,Montréal,single,INTN001,Population,,,1757366.0",
            "2018,Montréal,single,INTN002,Override Population,,,",
            '2018,"Sudbury (Greater)",single,INTN205,"Devices, per FTE",2623.0,2160.0,1.21',
            "2018,Sudbury (Greater),single,INTN999,Something new,1,2,3"]  # fmt: skip
    text = "\r\n".join([HEADER, *rows])
    reading = longform.read(longform.decode(("\ufeff" + text).encode("utf-8")))
    montreal, sudbury = reading.submissions
    assert (montreal.municipality, montreal.inputs) == ("Montréal", {"INTN001": D(1757366)})
    assert (sudbury.municipality, sudbury.reported["INTN205"]) == ("Sudbury (Greater)", engine.Reported(2623, 2160))
    assert reading.skipped == {"INTN999": 1}
    assert longform.read(longform.decode(text.encode("cp1252"))).submissions[0].municipality == "Montréal"
    blanked = longform.read(text.replace(",1.21", ","))
    assert blanked.submissions == reading.submissions


def test_unreadable_rows_are_listed_by_line_and_nothing_is_read():
    rows = ["20x8,Halton,upper,INTN001,Population,,,1", "2018,Halton,lower,INTN001,Population,,,1",
            "2018,Halton,upper,INTN010,FTE,,,abc", "2018,Halton,upper,INTN011,FTE,,,1",
            "2018,Halton,upper,INTN011,FTE,,,2"]  # fmt: skip
    with pytest.raises(longform.UnreadableFile) as refused:
        longform.read("\n".join([HEADER, *rows]))
    assert [p.split(":")[0] for p in refused.value.problems] == ["line 2", "line 3", "line 4", "line 6"]
    with pytest.raises(longform.UnreadableFile, match="header lacks tier"):
        longform.read("fiscal_year,municipality\n2018,Halton")


def test_compare_counts_what_it_reproduces_and_lists_each_difference():
    rows = ["2018,Halton,upper,INTN010,FTE,,,3195.8", "2018,Halton,upper,INTN011,FTE,,,2129.0",
            "2018,Halton,upper,INTN205,Devices,3449.0,2129.0,1.62", "2018,Durham,upper,INTN010,FTE,,,6385.8",
            "2018,Durham,upper,INTN205,Devices,4567.0,6385.8,0.71"]  # fmt: skip
    lines = compare("\n".join([HEADER, *rows])).lines()
    assert "INTN205      1 of    2 published results reproduced" in lines
    assert "  2018 Durham INTN205: published 0.71, engine 0.72 (the figures give another result)" in lines


def record(input_id: str, value, *, year=2024, note="", at=IN_2025) -> RecordReferenceInput:
    provenance = SUBMITTED.model_copy(update={"note": note})
    return RecordReferenceInput(submission_id("ottawa", year), year, input_id, D(value), provenance, at)


def recorded(input_id: str, value, *, year=2024, note="", at=IN_2025) -> ReferenceInputRecorded:
    c = record(input_id, value, year=year, note=note, at=at)
    return ReferenceInputRecorded(at=at, submission_id=c.submission_id, fiscal_year=year, input_id=input_id,
                                  value=c.value, provenance=c.provenance)  # fmt: skip


def test_a_reference_input_is_recorded_with_its_provenance_and_bad_ones_are_refused_naming_the_field():
    given(SUBMISSION).then(record("INTN010", "9118.5"), recorded("INTN010", "9118.5"))
    for command, field in [(record("INTN999", 1), "input_id"), (record("INTN010", -1), "value"),
                           (record("INTN212", "10.5"), "value"), (record("INTN011", 9000), "provenance.note"),
                           (record("INTN243.materials", 5, year=2010), "input_id")]:  # fmt: skip
        assert given(SUBMISSION).refuses(command, Unprocessable).field == field
    given(SUBMISSION).then(record("INTN243.interfunctional_adjustments", "-1200.50"),
                           recorded("INTN243.interfunctional_adjustments", "-1200.50"))  # fmt: skip


def test_closing_freezes_the_measures_once_the_year_is_over_and_later_inputs_are_restatements():
    history = (recorded("INTN010", 2000), recorded("INTN250", 50))
    close = CloseFiscalYear(submission_id("ottawa", 2024), 2024, IN_2025)
    given(SUBMISSION, *history).refuses(CloseFiscalYear(close.submission_id, 2024, datetime(2024, 12, 31, 23,
                                        tzinfo=UTC)), FiscalYearNotOver)  # fmt: skip
    given(SUBMISSION).refuses(close, SubmissionEmpty)
    [closed] = given(SUBMISSION, *history).when(close)
    assert isinstance(closed, FiscalYearClosed) and [i.input_id for i in closed.inputs] == ["INTN010", "INTN250"]
    intn250 = next(m for m in closed.measures if m.measure == "INTN250")
    assert (intn250.definition, intn250.value, intn250.denominator_from) == ("INTN250@2018", D("0.025"), ["INTN010"])
    given(SUBMISSION, *history, closed).refuses(close, FiscalYearAlreadyClosed)
    state = given(SUBMISSION, *history, closed, recorded("INTN010", 2500)).state
    assert (state.inputs["INTN010"].after_close, state.inputs["INTN250"].after_close) == (True, False)
    assert state.closed == closed


def test_a_public_submission_loaded_again_records_nothing_and_a_revision_records_it_anew():
    figures = (ReportedFigure(measure="INTN205", numerator=D(4250), denominator=D("4244.1")),)
    load = LoadBenchmarkSubmission(submission_id("public", 2018), "Halifax", Tier.SINGLE, 2018,
                                   {"INTN001": D(430512)}, figures, SUBMITTED, IN_2025)  # fmt: skip
    [loaded] = given(BENCHMARK).when(load)
    assert isinstance(loaded, BenchmarkSubmissionLoaded) and loaded.inputs == {"INTN001": D(430512)}
    again = load.__class__(**{**load.__dict__, "provenance": SUBMITTED.model_copy(update={"document": "copy.csv"})})
    assert given(BENCHMARK, loaded).when(again) == []
    revised = load.__class__(**{**load.__dict__, "inputs": {"INTN001": D(430513)}})
    assert len(given(BENCHMARK, loaded).when(revised)) == 1
