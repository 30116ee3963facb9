"""Demo-carrier data for conversation tests: parcels by status, a customer's phone and
the SMS codes "sent" to it, delivered parcels to return and the seeded returns. Parcel
numbers depend on the day the store was seeded, and return numbers are random, so tests
and test stories name them by status ({parcel:damaged}, {return:refunded}) or by how
long ago they were delivered ({delivered:recent:2}) instead; {recipient:…} and
{code:…} before any of these are the phone of its recipient and the SMS code last sent
to that phone."""
import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Dict, List

from sqlalchemy import create_engine, select

from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_schema import parcels_table, returns_table
from actions.carrier.gateway import Parcel, ParcelStatus, shanghai_now

_NUMBERED = r"parcel:[a-z_]+|delivered:(?:recent|old):\d+|return:[a-z_]+"
PLACEHOLDER = re.compile(
    rf"\{{(?:(code|recipient):)?({_NUMBERED})\}}|\{{(phone|code|wrong_code)\}}"
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
            seeded = select(returns_table.c.status, returns_table.c.return_number).where(
                returns_table.c.idempotency_key.like("demo-seed:%"))
            self.seeded_returns = dict(connection.execute(seeded).all())
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

    def recipient(self, number: str) -> str:
        """The phone of the recipient of this parcel, or of the parcel of this return."""
        if number.startswith("RT"):
            number = asyncio.run(self.carrier.get_return(number)).tracking_number
        return asyncio.run(self.carrier.get_parcel(number)).recipient.phone

    def fill(self, text: str) -> str:
        """`text` with its placeholders replaced (see tests/stories/)."""

        def number(name: str) -> str:
            if name.startswith("parcel:"):
                return self.find(name.split(":", 1)[1]).tracking_number
            if name.startswith("delivered:"):
                _, age, index = name.split(":")
                return self.delivered[age][int(index) - 1].tracking_number
            return self.seeded_returns[name.split(":", 1)[1]]

        def value(match: re.Match) -> str:
            of, numbered, name = match.groups()
            if numbered:
                found = number(numbered)
                if of is None:
                    return found
                phone = self.recipient(found)
                return phone if of == "recipient" else self.code(phone)
            if name == "phone":
                return self.phone
            if name == "code":
                return self.code()
            return f"{(int(self.code()) + 1) % 1_000_000:06d}"

        return PLACEHOLDER.sub(value, text)
