"""What a newcomer needs, printed by `make run` once everything answers: three demo
waybill numbers that exist today (the demo parcels are seeded from the day they are
first made, so no number can be written down in the README), and whether agents would
answer a handoff now, and how to make them.
"""
import os
from pathlib import Path
from datetime import datetime
from typing import Dict, List, Optional

from sqlalchemy import create_engine, desc, select

from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_schema import parcels_table
from foundation.settings import Settings
from handoff.hours import BusinessHours

# What each example shows, and the recorded statuses it may be taken from.
EXAMPLES = {
    "in_transit": ("in transit", ("in_transit",)),
    "delivered": ("delivered, can be returned", ("delivered",)),
    "exception": ("delivery failed", ("delivery_failed",)),
}


def example_parcels(carrier_db: Path) -> Dict[str, str]:
    """A waybill number per example of the demo carrier in `carrier_db` (seeded if new):
    the newest of each, so the delivered one is inside every return window."""
    DemoCarrier(f"sqlite:///{carrier_db}")  # seeds the file if the action server has not
    engine = create_engine(f"sqlite:///{carrier_db}")
    try:
        with engine.connect() as connection:
            return {
                example: connection.execute(
                    select(parcels_table.c.tracking_number)
                    .where(parcels_table.c.status.in_(statuses))
                    .order_by(desc(parcels_table.c.created_at)).limit(1)
                ).scalar_one()
                for example, (_, statuses) in EXAMPLES.items()
            }
    finally:
        engine.dispose()


def guide(settings: Settings, now: Optional[datetime] = None) -> List[str]:
    """The lines to print; `now` is the real time unless given."""
    lines = []
    if (os.environ.get("CARRIER_GATEWAY") or "demo") == "demo":
        numbers = example_parcels(settings.var_dir / "carrier.db")
        lines.append("  Try these demo waybill numbers in the chat (send 我的快递到哪了, or 我要退货, then the number):")
        lines += [f"    {numbers[example]}  {label}" for example, (label, _) in EXAMPLES.items()]
    hours = BusinessHours.from_environment()
    when = f"{hours.describe()} {hours.timezone.key}"
    if hours.is_open(now):
        lines.append(f"  Agents answer now ({when}): log in at "
                     f"{settings.handoff_url}/console, then send 转人工 in the chat.")
    else:
        lines.append(f"  Agents do not answer now ({when}): 转人工 leaves a callback ticket. "
                     "To try the handoff now: make demo (the same, agents' hours open all day).")
    return lines
