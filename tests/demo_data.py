"""Demo-carrier data for conversation tests: parcels by status, a customer's phone and
the SMS codes "sent" to it, delivered parcels to return and the seeded returns. Parcel
numbers depend on the day the store was seeded, so tests and test stories name them by
status ({parcel:damaged}) or by how long ago they were delivered ({delivered:recent:2})
instead."""
import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Dict, List

from sqlalchemy import create_engine, select

from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_schema import parcels_table, return_number, returns_table
from actions.carrier.demo_seed import SEEDED_RETURNS
from actions.carrier.gateway import Parcel, ParcelStatus, shanghai_now

PLACEHOLDER = re.compile(
    r"\{(parcel:[a-z_]+|delivered:(?:recent|old):\d+|return:[a-z_]+|phone|code|wrong_code)\}"
)
# Delivered parcels to return: "recent" ones were delivered within two days, inside
# every window of the policy but fresh food's; "old" ones over 16 days ago, outside all.
RECENT = timedelta(days=2)
OLD = timedelta(days=16)


class DemoData:
    """The demo carrier the action server uses, read by the tests."""

    def __init__(self, db_path: Path) -> None:
        url = f"sqlite:///{db_path}"
        self.carrier = DemoCarrier(url)  # seeds the store if the action server has not
        engine = create_engine(url)
        with engine.connect() as connection:
            query = select(parcels_table).order_by(parcels_table.c.tracking_number)
            self._rows = connection.execute(query).all()
            returned = set(connection.execute(select(returns_table.c.tracking_number)).scalars())
        engine.dispose()
        self.delivered = self._returnable(returned)
        # A regular customer: several parcels are sent to this phone.
        phones = [row.recipient_phone for row in self._rows]
        self.phone = max(sorted(set(phones)), key=phones.count)

    def close(self) -> None:
        asyncio.run(self.carrier.close())

    def find(self, status: str, **fields: object) -> Parcel:
        """The first parcel whose status, as the customer is told it, is `status`."""
        for row in self._rows:
            if row.status == status and all(getattr(row, k) == v for k, v in fields.items()):
                parcel = asyncio.run(self.carrier.get_parcel(row.tracking_number))
                if parcel.status is ParcelStatus(status):
                    return parcel
        raise LookupError(f"The demo carrier has no parcel that is {status} with {fields}.")

    def _returnable(self, returned: set) -> Dict[str, List[Parcel]]:
        """Delivered parcels without a return, by age, in a fixed order: each test story
        takes its own by index, so no two stories return the same parcel."""
        now = shanghai_now()
        by_age: Dict[str, List[Parcel]] = {"recent": [], "old": []}
        for row in self._rows:
            if row.status != ParcelStatus.DELIVERED.value or row.tracking_number in returned:
                continue
            parcel = asyncio.run(self.carrier.get_parcel(row.tracking_number))
            age = now - parcel.last_scan.time
            if age <= RECENT:
                by_age["recent"].append(parcel)
            elif age >= OLD:
                by_age["old"].append(parcel)
        return by_age

    def code(self, phone: str = "") -> str:
        """The SMS code last sent to `phone` (the regular customer's by default)."""
        texts = self.carrier.outbox(phone or self.phone)
        assert texts, f"No SMS code was sent to {phone or self.phone}."
        return re.search(r"\d{6}", texts[-1]).group()

    def fill(self, text: str) -> str:
        """`text` with its placeholders replaced (see tests/stories/)."""

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("parcel:"):
                return self.find(name.split(":", 1)[1]).tracking_number
            if name.startswith("delivered:"):
                _, age, index = name.split(":")
                return self.delivered[age][int(index) - 1].tracking_number
            if name.startswith("return:"):
                statuses = [status.value for status, _, _ in SEEDED_RETURNS]
                return return_number(statuses.index(name.split(":", 1)[1]) + 1)
            if name == "phone":
                return self.phone
            if name == "code":
                return self.code()
            return f"{(int(self.code()) + 1) % 1_000_000:06d}"

        return PLACEHOLDER.sub(value, text)
