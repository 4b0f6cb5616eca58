"""In-memory carriers that rate, label and track like UPS, USPS and FedEx, for development, demos and
tests: no account, no network."""

from shipping.carriers.sandbox.engine import SandboxCarrier, ServiceCard
from shipping.carriers.sandbox.fedex import SandboxFedEx
from shipping.carriers.sandbox.ups import SandboxUPS
from shipping.carriers.sandbox.usps import SandboxUSPS

__all__ = ["SandboxCarrier", "SandboxFedEx", "SandboxUPS", "SandboxUSPS", "ServiceCard", "sandbox_carriers"]


def sandbox_carriers(**kwargs) -> list[SandboxCarrier]:
    return [SandboxUPS(**kwargs), SandboxUSPS(**kwargs), SandboxFedEx(**kwargs)]
