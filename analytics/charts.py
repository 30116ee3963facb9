"""The report's charts: small PNGs drawn with matplotlib (Agg, no display needed).

Each chart is a file in the report's folder; `draw_all` returns (file name, title) in
page order. Small on purpose (about 600×300 px, 80 dpi, few colours) so the page loads
at once. Chinese labels use a Noto CJK font when the machine has one (Debian's
fonts-noto-cjk), else boxes show where the characters would be.
"""
from pathlib import Path
from typing import List, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from analytics.metrics import Report  # noqa: E402

DPI = 80
SIZE = (7.5, 3.6)
COLOUR = "#2f6db5"
TOP = 10


def _use_cjk_font() -> None:
    # matplotlib 3.5 does not scan font collections (.ttc), the form Debian ships
    # Noto CJK in; added by hand, the collection's first face (JP) covers Chinese.
    for collection in sorted(Path("/usr/share/fonts").glob("**/NotoSansCJK-Regular.ttc")):
        font_manager.fontManager.addfont(str(collection))
    available = {font.name for font in font_manager.fontManager.ttflist}
    preferred = [name for name in available if name.startswith("Noto Sans CJK")]
    preferred += [name for name in ("WenQuanYi Zen Hei",) if name in available]
    plt.rcParams["font.sans-serif"] = preferred + ["DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False


def draw_all(report: Report, folder: Path) -> List[Tuple[str, str]]:
    _use_cjk_font()
    hours = dict(report.segments("conversations", "hour"))
    outcomes = [("自助 contained", report.value("containment_rate") or 0.0),
                ("转人工 handoff", report.value("handoff_rate") or 0.0),
                ("机器人内放弃 abandoned", report.value("bot_abandonment_rate") or 0.0)]
    csat = sorted(report.segments("csat_count", "score"))
    intents = sorted(report.segments("intent_count", "intent"), key=lambda item: -item[1])[:TOP]
    gaps = [(group.label, group.count) for group in report.gap_groups[:TOP]]
    charts = [
        ("conversations_by_channel.png", "按渠道的会话数 Conversations by channel",
         lambda ax: _bars(ax, report.segments("conversations", "channel"))),
        ("conversations_by_hour.png", "按小时（UTC）的会话数 Conversations by hour (UTC)",
         lambda ax: _bars(ax, [(f"{hour:02d}", hours.get(f"{hour:02d}", 0)) for hour in range(24)])),
        ("outcomes.png", "会话结果 Conversation outcomes", lambda ax: _bars(ax, outcomes, percent=True)),
        ("handoff_by_reason.png", "转人工原因 Handoffs by reason",
         lambda ax: _barh(ax, report.segments("handoff_rate", "reason"), percent=True)),
        ("handoff_by_team.png", "转人工团队 Handoffs by team",
         lambda ax: _barh(ax, report.segments("handoff_rate", "team"), percent=True)),
        ("wait_times.png", "等待时长分布 Waiting time distribution (s)", lambda ax: _histogram(ax, report.waits)),
        ("csat.png", "满意度分布 CSAT distribution", lambda ax: _bars(ax, csat)),
        ("top_intents.png", "高频意图 Top intents", lambda ax: _barh(ax, intents)),
        ("returns_by_category.png", "退货品类 Returns by category",
         lambda ax: _barh(ax, report.segments("returns", "category"))),
        ("returns_by_reason.png", "退货原因 Returns by reason",
         lambda ax: _barh(ax, report.segments("returns", "reason"))),
        ("returns_by_outcome.png", "退货结果 Returns by outcome",
         lambda ax: _barh(ax, report.segments("returns", "outcome"))),
        ("gap_groups.png", "未答问题组 Top unanswered question groups", lambda ax: _barh(ax, gaps)),
    ]
    drawn = []
    for name, title, draw in charts:
        figure, axes = plt.subplots(figsize=SIZE, dpi=DPI)
        axes.set_title(title, fontsize=11)
        draw(axes)
        figure.tight_layout()
        figure.savefig(folder / name, dpi=DPI)
        plt.close(figure)
        drawn.append((name, title))
    return drawn


def _no_data(axes) -> bool:
    axes.text(0.5, 0.5, "无数据 no data", ha="center", va="center", transform=axes.transAxes, color="grey")
    axes.set_xticks([])
    axes.set_yticks([])
    return True


def _bars(axes, items: Sequence[Tuple[str, float]], percent: bool = False) -> None:
    if not items or not any(value for _, value in items):
        _no_data(axes)
        return
    labels = [label for label, _ in items]
    values = [value * 100 if percent else value for _, value in items]
    axes.bar(range(len(values)), values, color=COLOUR)
    axes.set_xticks(range(len(values)))
    axes.set_xticklabels(labels, fontsize=8 if len(labels) > 12 else 9)
    if percent:
        axes.set_ylabel("%")
        axes.set_ylim(0, 100)
    else:
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts


def _barh(axes, items: Sequence[Tuple[str, float]], percent: bool = False) -> None:
    if not items:
        _no_data(axes)
        return
    items = list(items)[:TOP][::-1]  # the biggest on top
    labels = [_short(label) for label, _ in items]
    values = [value * 100 if percent else value for _, value in items]
    axes.barh(range(len(values)), values, color=COLOUR)
    axes.set_yticks(range(len(values)))
    axes.set_yticklabels(labels, fontsize=8)
    if percent:
        axes.set_xlabel("% of conversations")
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts


def _histogram(axes, values: List[float]) -> None:
    if not values:
        _no_data(axes)
        return
    axes.hist(values, bins=min(20, max(5, len(values) // 3)), color=COLOUR)
    axes.axvline(20, color="#c0392b", linestyle="--", linewidth=1)
    axes.set_xlabel("seconds (red: 20 s)")


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
