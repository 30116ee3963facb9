"""The carrier gateway: how actions ask the courier's systems about parcels.

    from actions.carrier import create_gateway, GatewayError, ParcelStatus

    gateway = create_gateway()          # once per action server
    parcel = await gateway.get_parcel("KD202611230001")

`CARRIER_GATEWAY` chooses who answers: `demo` (default, the embedded SQLite store) or
`http` (the courier's tracking API). README.md beside this file lists the settings.
"""
import os
from typing import Optional

from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.gateway import (
    CarrierGateway,
    GatewayError,
    Parcel,
    ParcelStatus,
    Party,
    ScanEvent,
)
from actions.carrier.http_carrier import HttpCarrier

__all__ = [
    "CarrierGateway",
    "GatewayError",
    "Parcel",
    "ParcelStatus",
    "Party",
    "ScanEvent",
    "create_gateway",
    "shared_gateway",
]

GATEWAYS = {"demo": DemoCarrier, "http": HttpCarrier}


def create_gateway() -> CarrierGateway:
    """The gateway `CARRIER_GATEWAY` names, configured from the environment."""
    name = os.environ.get("CARRIER_GATEWAY") or "demo"
    if name not in GATEWAYS:
        raise ValueError(
            f"CARRIER_GATEWAY={name!r} is not a carrier gateway; use one of: "
            + ", ".join(GATEWAYS)
            + "."
        )
    return GATEWAYS[name].from_environment()


_shared: Optional[CarrierGateway] = None


def shared_gateway() -> CarrierGateway:
    """The action server's one gateway, made on first use and kept for reuse."""
    global _shared
    if _shared is None:
        _shared = create_gateway()
    return _shared
