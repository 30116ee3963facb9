"""The contact-centre report: `python -m analytics.report --from YYYY-MM-DD --to YYYY-MM-DD`.

Loads the analytics tables first (analytics/loading.py; `--no-load` skips it), then
writes into DIR (default var/reports/analytics-<from>-<to>/):

  index.html    the page: key figures, charts, CSAT by team and reason, the grouped
                unanswered questions, the metric definitions (Chinese, then English)
  *.png         the charts (analytics/charts.py)
  figures.csv   every figure: metric,segment,value (rates as fractions 0..1)

and prints the path of index.html last. Days are UTC, both included; the clock is
never read, so the same period gives the same report.
"""
import argparse
import csv
import logging
import sys
from datetime import date
from pathlib import Path
from typing import List, Optional

from jinja2 import Environment, FileSystemLoader, select_autoescape

from analytics.charts import DPI, SIZE, draw_all
from analytics.loading import load_from_environment
from analytics.metrics import DEFINITIONS, Report, compute
from analytics.warehouse import open_warehouse
from foundation.settings import VAR

TEMPLATE = "report.html"
RATES = frozenset(name for name in DEFINITIONS if name.endswith("_rate") or name == "service_level")
KEY_METRICS = [name for name in DEFINITIONS if name not in ("intent_count", "gap_group_count", "csat_count")]


def write_report(report: Report, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_figures(report, folder / "figures.csv")
    charts = draw_all(report, folder)
    page = folder / "index.html"
    page.write_text(render_page(report, charts), encoding="utf-8")
    return page


def write_figures(report: Report, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["metric", "segment", "value"])
        for metric, segment, value in report.figures:
            writer.writerow([metric, segment, _number(value)])


def render_page(report: Report, charts) -> str:
    environment = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent)),
        autoescape=select_autoescape(["html"]),  # customer text (gap examples) is escaped
    )
    key_figures = [(name, DEFINITIONS[name][0].split("：")[0], _shown(name, value))
                   for name in KEY_METRICS for value in [report.value(name)] if value is not None]
    csat = [(segment, f"{value:.2f}") for metric, segment, value in report.figures
            if metric == "csat_average" and segment != "all"]
    return environment.get_template(TEMPLATE).render(
        first_day=report.first_day.isoformat(),
        last_day=report.last_day.isoformat(),
        key_figures=key_figures,
        charts=charts,
        width=int(SIZE[0] * DPI),
        height=int(SIZE[1] * DPI),
        csat=csat,
        gap_groups=report.gap_groups[:20],
        definitions=[(name, zh, en) for name, (zh, en) in DEFINITIONS.items()],
    )


def _shown(name: str, value: float) -> str:
    if name in RATES:
        return f"{value * 100:.1f} %"
    if name.endswith("_seconds"):
        return f"{value:.1f} s"
    if name == "csat_average":
        return f"{value:.2f} / 5"
    return _number(value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"


def default_folder(first_day: date, last_day: date) -> Path:
    return VAR / "reports" / f"analytics-{first_day.isoformat()}-{last_day.isoformat()}"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="first_day", required=True, type=_day, help="first UTC day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last_day", required=True, type=_day, help="last UTC day, YYYY-MM-DD")
    parser.add_argument("--out", type=Path, help="folder (default var/reports/analytics-<from>-<to>/)")
    parser.add_argument("--no-load", action="store_true", help="report on the tables as they are")
    parser.add_argument("--database-url", default="",
                        help="the analytics tables (default ANALYTICS_DATABASE_URL or var/analytics.db)")
    args = parser.parse_args(argv)
    if args.last_day < args.first_day:
        parser.error("--to is before --from")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    engine = open_warehouse(args.database_url)
    try:
        if not args.no_load:
            for source, count in load_from_environment(engine).items():
                print(f"loaded {source}: {count} rows read")
        report = compute(engine, args.first_day, args.last_day)
    finally:
        engine.dispose()
    page = write_report(report, args.out or default_folder(args.first_day, args.last_day))
    print(page.resolve())
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2026-11-03")


if __name__ == "__main__":
    sys.exit(main())
