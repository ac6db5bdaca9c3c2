"""The MBNCanada Information Technology measures' texts, verbatim as published (cut where the source cuts them)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishedText:
    """One measure as the MBNC long-form open dataset describes it (fiscal years 2004-2018)."""

    name: str
    category: str
    numerator: str
    denominator: str
    year_created: int
    mpmp_measure: bool
    cao_measure: bool


PUBLISHED: dict[str, PublishedText] = {
    "INTN001": PublishedText(
        name="Population",
        category="Statistic",
        numerator=("Population\n\nMUN001\nAuto-populated via Municipal Data"),
        denominator="N/A",
        year_created=2005,
        mpmp_measure=False,
        cao_measure=False,
    ),
    "INTN002": PublishedText(
        name="Override Population",
        category="Statistic",
        numerator=(
            "Population - Override\n"
            "Where the service area population is different than the population in MUN001 enter the "
            "service area population here."
        ),
        denominator="N/A",
        year_created=2005,
        mpmp_measure=False,
        cao_measure=False,
    ),
    "INTN010": PublishedText(
        name="Total Budgeted Municipal FTE",
        category="Statistic",
        numerator=("Total Budgeted Municipal FTE (Full-time Equivalent)\n\nMUN010\nAuto-populated via Municipal Data"),
        denominator="N/A",
        year_created=2006,
        mpmp_measure=False,
        cao_measure=False,
    ),
    "INTN011": PublishedText(
        name="Override - Total Supported Municipal FTE",
        category="Statistic",
        numerator=(
            "Total Supported Municipal FTE - Override\n"
            "\n"
            "When referring to FTE\u2019s for this measure, please use actual FTE\u2019s as of the close of your "
            "fiscal year"
        ),
        denominator="N/A",
        year_created=2006,
        mpmp_measure=False,
        cao_measure=False,
    ),
    "INTN105": PublishedText(
        name="Number of Visitor Sessions to Municipal Website per Capita",
        category="Community Impact",
        numerator=(
            "Number of visits on the main municipal website for the entire year\n"
            "\n"
            "Only include visits related to the Municipality\u2019s main website domain (i.e. Toronto.ca, "
            "Ottawa.ca, Calgary.ca, etc) whether the website is hosted internally by the Municipality "
            "or is ho"
        ),
        denominator=("Population - Per capita\n\nResult INTN001 OR Result INTN002"),
        year_created=2004,
        mpmp_measure=False,
        cao_measure=True,
    ),
    "INTN205": PublishedText(
        name="Number of Information Technology Devices per Total Supported Municipal FTE",
        category="Service Level",
        numerator=(
            "Number of information technology devices as at the close of your fiscal year\n"
            "\n"
            "SUM OF NUMERATORS:\n"
            "INTN212 (laptops/tablets)\n"
            "INTN214 (desktops/thin tablets)\n"
            "INTN216 (smartphones)\n"
            "\n"
            "Refer to INTN212, INTN214 and INTN216 for more information regarding i"
        ),
        denominator=(
            "Total number of municipal full-time-equivalents (FTE) supported by IT Services at the end "
            "of your fiscal year\n"
            "\n"
            "INTN011 where Total Supported FTE is different from the Total Budgeted Municipal FTE #, "
            "otherwise, use INTN010."
        ),
        year_created=2004,
        mpmp_measure=False,
        cao_measure=True,
    ),
    "INTN212": PublishedText(
        name="Laptops/Tablets as a percent of Total Supported Municipal FTE",
        category="Service Level",
        numerator=(
            "Entire inventory of Laptop/Tablets in the municipality as at the close of your fiscal year\n"
            "\n"
            "Laptops, iPads, Tablets are defined as computing devices that are portable, larger than a "
            "handheld and where their primary use is not phone."
        ),
        denominator=(
            "Total number of full-time equivalents (FTE) in the municipality that are supported by IT "
            "as at the close of your fiscal year\n"
            "\n"
            "Denominator INTN205"
        ),
        year_created=2005,
        mpmp_measure=False,
        cao_measure=True,
    ),
    "INTN214": PublishedText(
        name="Desk Tops/Thin Client as a percent of Total Supported Municipal FTE",
        category="Service Level",
        numerator=(
            "Entire inventory of Desktops/Thin Clients in the municipality as at the close of your "
            "fiscal year\n"
            "\n"
            "Desktops are defined as personal computers typically intended for regular use at a single "
            "location desk/table due to its size and power requirements. The"
        ),
        denominator=(
            "Total number of full-time equivalents (FTE) in the municipality that are supported by IT "
            "as at the close of your fiscal year\n"
            "\n"
            "Denominator INTN205"
        ),
        year_created=2005,
        mpmp_measure=False,
        cao_measure=True,
    ),
    "INTN216": PublishedText(
        name="Smartphone Devices as a percent of Total Supported Municipal FTE",
        category="Service Level",
        numerator=(
            "Entire inventory of Smartphones in the municipality as at the close of your fiscal year.\n"
            "\n"
            "A smartphone (or smart phone) is a mobile phone with more advanced computing capability "
            "and connectivity than basic feature phones. These can include an integrated"
        ),
        denominator=(
            "Total number of full-time equivalents (FTE) in the municipality that are supported by IT "
            "as at the close of your fiscal year\n"
            "\n"
            "Denominator INTN205"
        ),
        year_created=2005,
        mpmp_measure=False,
        cao_measure=True,
    ),
    "INTN243": PublishedText(
        name="Operating Cost for Information Technology per Total Supported Municipal FTE",
        category="Efficiency",
        numerator=(
            "Operating Cost for Information Technology\n"
            "\n"
            "SUM OF:\n"
            "- Salaries, wages and employee benefits\n"
            "\u2013 Materials\n"
            "- Contracted services\n"
            "- Rents and financial expenses\n"
            "- External transfers\n"
            "- Inter-functional adjustments\n"
            "- Allocation of program support\n"
            "\n"
            "NB:"
        ),
        denominator=(
            "Total number of full-time equivalents (FTE) in the municipality that are supported by IT "
            "as at the close of your fiscal year\n"
            "\n"
            "Denominator INTN205"
        ),
        year_created=2015,
        mpmp_measure=False,
        cao_measure=False,
    ),
    "INTN243T": PublishedText(
        name="Total Cost for Information Technology per Total Supported Municipal FTE",
        category="Service Level",
        numerator=("Total Costs Information Technology\n\nINTN243 (operating costs) plus Amortization"),
        denominator=(
            "Total number of full-time equivalents (FTE) in the municipality that are supported by IT "
            "as at the close of your fiscal year\n"
            "\n"
            "Denominator INTN205"
        ),
        year_created=2015,
        mpmp_measure=False,
        cao_measure=True,
    ),
    "INTN250": PublishedText(
        name="Number of Information Technology FTE as a Percent of Total Supported Municipal FTE",
        category="Service Level",
        numerator="Number of FTE IT professionals in the organization",
        denominator=(
            "Total number of full-time equivalents (FTE) in the municipality that are supported by IT "
            "as at the close of your fiscal year\n"
            "\n"
            "Denominator INTN205"
        ),
        year_created=2006,
        mpmp_measure=True,
        cao_measure=False,
    ),
    "INTN800": PublishedText(
        name="Number of Online Transactional Services",
        category="Statistic",
        numerator="Result is the count of transactional services offered online within a municipality",
        denominator="N/A",
        year_created=2007,
        mpmp_measure=True,
        cao_measure=False,
    ),
    "INTN810": PublishedText(
        name="Number of Open Data Sets",
        category="Statistic",
        numerator=(
            "Result is the total number* of data sets available for public access within a "
            "municipality in an open data format and under an open data license.\n"
            "\n"
            "Regardless of the formats the data set is being provided in, it will only count as a "
            "single data set."
        ),
        denominator="N/A",
        year_created=2013,
        mpmp_measure=True,
        cao_measure=False,
    ),
}
