"""Amortization per device against hand-worked figures: straight line, declining balance, part years, disposal."""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest

from assets.domain.amortization import (
    Holding,
    OutOfCalendar,
    amount_for_year,
    cents,
    declining_rate,
    fiscal_year_bounds,
    fiscal_year_of,
    life_ends_on,
    net_book_value,
    schedule,
    tenant_total,
)
from events.contracts.assets import Amortization, AmortizationMethod, Purchase

D = Decimal
STRAIGHT, DECLINING = AmortizationMethod.STRAIGHT_LINE, AmortizationMethod.DECLINING_BALANCE


def device(bought: date, cost: str, months: int, salvage: str = "0", method=STRAIGHT, rate: str | None = None,
           gone_on: date | None = None) -> Holding:
    return Holding(
        Purchase(purchased_on=bought, cost=D(cost)),
        Amortization(useful_life_months=months, salvage_value=D(salvage), method=method,
                     declining_rate=D(rate) if rate else None),
        gone_on,
    )


def table(holding: Holding, start_month: int = 1) -> list[tuple[int, int, str, str, str]]:
    """(year, months, opening, amount, closing) per fiscal year, the figures as text to compare with the hand's."""
    return [(r.year, r.months, str(r.opening), str(r.amount), str(r.closing)) for r in schedule(holding, start_month)]


# Straight line


def test_straight_line_over_full_years_takes_a_third_of_cost_less_salvage_each_year():
    # 1500.00 - 300.00 salvage = 1200.00 over 36 months; bought in January, so each calendar year has 12 months:
    # 1200.00 x 12 / 36 = 400.00 a year: 1500.00 -> 1100.00 -> 700.00 -> 300.00 (the salvage value).
    laptop = device(date(2020, 1, 15), "1500.00", 36, salvage="300.00")
    assert table(laptop) == [
        (2020, 12, "1500.00", "400.00", "1100.00"),
        (2021, 12, "1100.00", "400.00", "700.00"),
        (2022, 12, "700.00", "400.00", "300.00"),
    ]
    assert amount_for_year(laptop, 2021) == D("400.00")
    assert amount_for_year(laptop, 2019) == amount_for_year(laptop, 2023) == D("0.00")
    assert life_ends_on(laptop.purchase, laptop.amortization) == date(2022, 12, 31)


def test_a_part_first_and_last_year_take_their_months_share():
    # 1000.00 - 100.00 = 900.00 over 36 months, bought 2021-07-20: July counts in full, so the life is
    # July 2021 to June 2024. 2021: Jul-Dec 6 months, 900 x 6/36 = 150.00; 2022 and 2023: 900 x 12/36 = 300.00;
    # 2024: Jan-Jun 6 months, the rest: 900 - 750 = 150.00.
    desktop = device(date(2021, 7, 20), "1000.00", 36, salvage="100.00")
    assert table(desktop) == [
        (2021, 6, "1000.00", "150.00", "850.00"),
        (2022, 12, "850.00", "300.00", "550.00"),
        (2023, 12, "550.00", "300.00", "250.00"),
        (2024, 6, "250.00", "150.00", "100.00"),
    ]


def test_a_fiscal_year_from_april_is_named_by_the_year_it_ends_in():
    # The same desktop with fiscal years from April. FY2022 = Apr 2021-Mar 2022 holds Jul-Mar, 9 months:
    # 900 x 9/36 = 225.00; FY2023 and FY2024: 300.00; FY2025 = Apr 2024-Mar 2025 holds Apr-Jun, 3 months:
    # the rest, 900 - 825 = 75.00.
    desktop = device(date(2021, 7, 20), "1000.00", 36, salvage="100.00")
    assert table(desktop, 4) == [
        (2022, 9, "1000.00", "225.00", "775.00"),
        (2023, 12, "775.00", "300.00", "475.00"),
        (2024, 12, "475.00", "300.00", "175.00"),
        (2025, 3, "175.00", "75.00", "100.00"),
    ]
    assert schedule(desktop, 4)[0].starts_on == date(2021, 4, 1)
    assert schedule(desktop, 4)[0].ends_on == date(2022, 3, 31)


def test_the_rounding_residue_goes_to_the_last_year():
    # 1000.00 over 36 months from January: 1000 x 12/36 = 333.333... -> 333.33 twice, then the rest:
    # 1000.00 - 666.66 = 333.34.
    phone = device(date(2020, 1, 1), "1000.00", 36)
    assert [row.amount for row in schedule(phone)] == [D("333.33"), D("333.33"), D("333.34")]


def test_a_part_year_is_rounded_half_up_to_the_cent():
    # 1000.00 over 36 months from March 2020: 2020 has Mar-Dec, 10 months: 1000 x 10/36 = 277.777... -> 277.78;
    # 2021 and 2022: 333.33; 2023 (Jan-Feb): the rest, 1000 - 944.44 = 55.56.
    tablet = device(date(2020, 3, 10), "1000.00", 36)
    assert [str(row.amount) for row in schedule(tablet)] == ["277.78", "333.33", "333.33", "55.56"]


# Declining balance


def test_declining_balance_at_a_given_rate_writes_down_to_salvage_in_the_last_year():
    # 10000.00 at 30 % a year of the opening book value, 60 months from January 2020, salvage 1000.00:
    # 2020: 10000 x 0.3 = 3000.00 -> 7000.00; 2021: 7000 x 0.3 = 2100.00 -> 4900.00;
    # 2022: 4900 x 0.3 = 1470.00 -> 3430.00; 2023: 3430 x 0.3 = 1029.00 -> 2401.00;
    # 2024, the life's last year: down to the salvage value, 2401.00 - 1000.00 = 1401.00.
    server = device(date(2020, 1, 1), "10000.00", 60, salvage="1000.00", method=DECLINING, rate="0.3")
    assert table(server) == [
        (2020, 12, "10000.00", "3000.00", "7000.00"),
        (2021, 12, "7000.00", "2100.00", "4900.00"),
        (2022, 12, "4900.00", "1470.00", "3430.00"),
        (2023, 12, "3430.00", "1029.00", "2401.00"),
        (2024, 12, "2401.00", "1401.00", "1000.00"),
    ]
    # Within 2021, after Jan-Apr (4 months): 7000 x 0.3 x 4/12 = 700.00 off the opening 7000.00.
    assert net_book_value(server, date(2021, 4, 30)) == D("6300.00")


def test_declining_balance_without_a_rate_takes_twice_the_straight_line_rate_with_part_years():
    # 60 months: straight line is 12/60 = 20 % a year, so the rate is 40 %. 5000.00, salvage 500.00,
    # bought 2022-10-05: life Oct 2022 to Sep 2027.
    # 2022 (Oct-Dec, 3 months): 5000 x 0.4 x 3/12 = 500.00 -> 4500.00; 2023: 4500 x 0.4 = 1800.00 -> 2700.00;
    # 2024: 2700 x 0.4 = 1080.00 -> 1620.00; 2025: 1620 x 0.4 = 648.00 -> 972.00;
    # 2026: 972 x 0.4 = 388.80 -> 583.20; 2027 (Jan-Sep, the last): 583.20 - 500.00 = 83.20 -> 500.00.
    switch = device(date(2022, 10, 5), "5000.00", 60, salvage="500.00", method=DECLINING)
    assert declining_rate(switch.amortization) == Fraction(2, 5)
    assert table(switch) == [
        (2022, 3, "5000.00", "500.00", "4500.00"),
        (2023, 12, "4500.00", "1800.00", "2700.00"),
        (2024, 12, "2700.00", "1080.00", "1620.00"),
        (2025, 12, "1620.00", "648.00", "972.00"),
        (2026, 12, "972.00", "388.80", "583.20"),
        (2027, 9, "583.20", "83.20", "500.00"),
    ]


def test_declining_balance_rounds_each_year_on_the_reported_book_value():
    # 36 months: rate 24/36 = 2/3. 2020: 1000.00 x 2/3 = 666.666... -> 666.67 -> 333.33;
    # 2021: 333.33 x 2/3 = 222.22 -> 111.11; 2022, the last: 111.11 -> 0.00.
    monitor = device(date(2020, 1, 1), "1000.00", 36, method=DECLINING)
    assert table(monitor) == [
        (2020, 12, "1000.00", "666.67", "333.33"),
        (2021, 12, "333.33", "222.22", "111.11"),
        (2022, 12, "111.11", "111.11", "0.00"),
    ]


def test_declining_balance_never_takes_the_book_value_below_salvage():
    # 24 months: rate 24/24 = 100 %. 2020: 1000.00 x 1 = 1000.00, but only 1000.00 - 400.00 = 600.00 is there
    # to take; 2021 has nothing left. The book value stays at 400.00 to the end and after.
    printer = device(date(2020, 1, 1), "1000.00", 24, salvage="400.00", method=DECLINING)
    assert table(printer) == [(2020, 12, "1000.00", "600.00", "400.00"), (2021, 12, "400.00", "0.00", "400.00")]
    # Mid-2020, 6 months ended: 1000 x 1 x 6/12 = 500.00 off: 500.00, still above salvage; 9 months would take
    # 750.00, more than the year's 600.00: 400.00.
    assert net_book_value(printer, date(2020, 6, 30)) == D("500.00")
    assert net_book_value(printer, date(2020, 9, 30)) == D("400.00")
    assert net_book_value(printer, date(2021, 6, 30)) == net_book_value(printer, date(2030, 1, 1)) == D("400.00")


def test_a_salvage_value_above_the_cost_amortizes_nothing():
    odd = device(date(2020, 1, 1), "100.00", 12, salvage="150.00")
    assert table(odd) == [(2020, 12, "100.00", "0.00", "100.00")]
    assert net_book_value(odd, date(2025, 1, 1)) == D("100.00")


# Net book value on a date


def test_net_book_value_before_during_and_after_the_life():
    # 1500.00 - 300.00 over 36 months from January 2020: 1200 / 36 = 33.333... a month.
    laptop = device(date(2020, 1, 15), "1500.00", 36, salvage="300.00")
    assert net_book_value(laptop, date(2020, 1, 14)) is None  # not bought yet: not the city's
    assert net_book_value(laptop, date(2020, 1, 15)) == D("1500.00")  # January is booked on its last day
    # 2020-01-31: one month, 1200 x 1/36 = 33.333... -> 33.33: 1466.67.
    assert net_book_value(laptop, date(2020, 1, 31)) == D("1466.67")
    # 2021-05-20: 2020's 400.00, then Jan-Apr 2021, 1200 x 4/36 = 133.333... -> 133.33: 1500 - 400 - 133.33.
    assert net_book_value(laptop, date(2021, 5, 20)) == D("966.67")
    assert net_book_value(laptop, date(2021, 12, 31)) == D("700.00")  # the schedule's closing
    assert net_book_value(laptop, date(2022, 12, 31)) == D("300.00")
    assert net_book_value(laptop, date(2040, 1, 1)) == D("300.00")  # the future, long after: the salvage value


def test_a_device_bought_on_a_months_last_day_books_that_month_the_same_day():
    # Bought 2020-01-31: January counts in full and ends that day: 1200.00 - 1200 x 1/36 = 1166.67.
    laptop = device(date(2020, 1, 31), "1200.00", 36)
    assert net_book_value(laptop, date(2020, 1, 31)) == D("1166.67")


# Leaving the city


def test_disposal_stops_amortization_from_the_month_the_device_left():
    # 1200.00 over 36 months from January 2020, disposed 2021-03-15: March is not held at its end, so the
    # months are Jan 2020 to Feb 2021. 2020: 400.00; 2021: 1200 x 2/36 = 66.666... -> 66.67, closing 733.33.
    laptop = device(date(2020, 1, 1), "1200.00", 36, gone_on=date(2021, 3, 15))
    assert table(laptop) == [(2020, 12, "1200.00", "400.00", "800.00"), (2021, 2, "800.00", "66.67", "733.33")]
    assert amount_for_year(laptop, 2022) == D("0.00")
    assert net_book_value(laptop, date(2021, 2, 27)) == D("766.67")  # 800 - 1200 x 1/36 (January's 33.33)
    assert net_book_value(laptop, date(2021, 3, 14)) == D("733.33")  # the carrying amount it leaves with
    assert net_book_value(laptop, date(2021, 3, 15)) is None  # gone: no longer on the city's books
    assert net_book_value(laptop, date(2023, 1, 1)) is None


def test_a_device_gone_on_a_months_last_day_does_not_amortize_that_month():
    # Stolen 2021-02-28: February is not held at its end; 2021 has January only: 1200 x 1/36 -> 33.33.
    laptop = device(date(2020, 1, 1), "1200.00", 36, gone_on=date(2021, 2, 28))
    assert [(r.year, r.months, str(r.amount)) for r in schedule(laptop)] == [(2020, 12, "400.00"), (2021, 1, "33.33")]


def test_a_device_gone_the_month_it_came_amortizes_nothing():
    phone = device(date(2020, 5, 3), "800.00", 24, gone_on=date(2020, 5, 28))
    assert schedule(phone) == []
    assert amount_for_year(phone, 2020) == D("0.00")
    assert net_book_value(phone, date(2020, 5, 10)) == D("800.00")
    assert net_book_value(phone, date(2020, 5, 28)) is None


# The whole life


LIVES = [
    device(date(2020, 1, 1), "1000.00", 36),
    device(date(2019, 11, 30), "999.99", 37, salvage="0.01"),
    device(date(2021, 2, 28), "1234.56", 7, salvage="100.00"),
    device(date(2018, 6, 15), "87654.32", 600, salvage="1.00"),
    device(date(2020, 3, 31), "2000.00", 48, salvage="250.00", method=DECLINING),
    device(date(2020, 8, 1), "777.77", 29, salvage="12.34", method=DECLINING, rate="0.1234"),
    device(date(2022, 12, 31), "50.00", 1, method=DECLINING, rate="0.9999"),
]


@pytest.mark.parametrize("start_month", [1, 4, 7, 12])
@pytest.mark.parametrize("holding", LIVES, ids=range(len(LIVES)))
def test_the_amounts_over_the_life_sum_to_cost_less_salvage_and_the_book_values_agree(holding, start_month):
    rows = schedule(holding, start_month)
    cost, salvage = holding.purchase.cost, holding.amortization.salvage_value
    assert sum(row.amount for row in rows) == cost - salvage
    assert sum(row.months for row in rows) == holding.amortization.useful_life_months
    assert rows[-1].closing == salvage and all(row.amount >= 0 for row in rows)
    assert all(a.closing == b.opening and b.year == a.year + 1 for a, b in pairwise(rows))
    for row in rows:  # the net book value at each year's end is the schedule's closing
        assert net_book_value(holding, row.ends_on, start_month) == row.closing
        values = [net_book_value(holding, date(row.year, m, 15), start_month) for m in range(1, 13)]
        assert all(salvage <= value <= cost for value in values if value is not None)


# The tenant's total, fiscal years, rounding


def test_the_tenants_total_for_a_fiscal_year_adds_each_devices_amount():
    # 2021: the full-year laptop 400.00, the July 2021 desktop its Jul-Dec 150.00, the 30 % server 2100.00, the
    # laptop disposed in March 66.67, and a device bought in 2022 nothing: 400 + 150 + 2100 + 66.67 = 2716.67.
    holdings = [
        device(date(2020, 1, 15), "1500.00", 36, salvage="300.00"),
        device(date(2021, 7, 20), "1000.00", 36, salvage="100.00"),
        device(date(2020, 1, 1), "10000.00", 60, salvage="1000.00", method=DECLINING, rate="0.3"),
        device(date(2020, 1, 1), "1200.00", 36, gone_on=date(2021, 3, 15)),
        device(date(2022, 2, 1), "700.00", 24),
    ]
    assert tenant_total(holdings, 2021) == D("2716.67")
    assert tenant_total([], 2021) == D("0.00")


def test_fiscal_years_are_named_by_the_calendar_year_they_end_in():
    assert fiscal_year_of(date(2024, 12, 31)) == 2024
    assert fiscal_year_of(date(2024, 3, 31), 4) == 2024
    assert fiscal_year_of(date(2024, 4, 1), 4) == 2025
    assert fiscal_year_bounds(2025, 4) == (date(2024, 4, 1), date(2025, 3, 31))
    assert fiscal_year_bounds(2024) == (date(2024, 1, 1), date(2024, 12, 31))
    assert fiscal_year_bounds(2024, 12) == (date(2023, 12, 1), date(2024, 11, 30))
    with pytest.raises(ValueError):
        fiscal_year_of(date(2024, 1, 1), 13)
    with pytest.raises(OutOfCalendar):
        fiscal_year_bounds(10000, 4)


def test_cents_round_half_up_exactly():
    assert cents(Fraction(12345, 1000)) == D("12.35")  # half up, where banker's rounding would give 12.34
    assert cents(Fraction(12344999, 1000000)) == D("12.34")
    assert cents(Fraction(1, 3)) == D("0.33") and cents(Fraction(2, 3)) == D("0.67")
    assert cents(Fraction(-1, 200)) == D("-0.01") and str(cents(Fraction(0))) == "0.00"
