"""Demo-carrier data for conversation tests: parcels by status, a customer's phone and
the SMS codes "sent" to it. Parcel numbers depend on the day the store was seeded, so
tests and test stories name them by status ({parcel:damaged}) instead."""
import asyncio
import re
from pathlib import Path

from sqlalchemy import create_engine, select

from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_seed import parcels_table
from actions.carrier.gateway import Parcel, ParcelStatus

PLACEHOLDER = re.compile(r"\{(parcel:[a-z_]+|phone|code|wrong_code)\}")


class DemoData:
    """The demo carrier the action server uses, read by the tests."""

    def __init__(self, db_path: Path) -> None:
        url = f"sqlite:///{db_path}"
        self.carrier = DemoCarrier(url)  # seeds the store if the action server has not
        engine = create_engine(url)
        with engine.connect() as connection:
            query = select(parcels_table).order_by(parcels_table.c.tracking_number)
            self._rows = connection.execute(query).all()
        engine.dispose()
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
            if name == "phone":
                return self.phone
            if name == "code":
                return self.code()
            return f"{(int(self.code()) + 1) % 1_000_000:06d}"

        return PLACEHOLDER.sub(value, text)
