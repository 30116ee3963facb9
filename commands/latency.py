"""What every benchmark prints: p50/p95/p99 in milliseconds, and whether p95 met its target."""
import statistics
from typing import Dict, List


def percentiles(durations: List[float]) -> List[float]:
    """p50, p95 and p99 of `durations`."""
    cuts = statistics.quantiles(durations, n=100)
    return [cuts[49], cuts[94], cuts[98]]


def report(label: str, results: Dict[str, List[float]], target_ms: float) -> bool:
    """Prints a row per result; True when every p95 is within `target_ms`."""
    within_target = True
    print(f"{label:<20}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, durations in results.items():
        p50, p95, p99 = percentiles(durations)
        print(f"{name:<20}{len(durations):>7}{p50:>9.3f}{p95:>9.3f}{p99:>9.3f}")
        within_target = within_target and p95 <= target_ms
    print(f"target: p95 <= {target_ms} ms: {'met' if within_target else 'MISSED'}")
    return within_target
