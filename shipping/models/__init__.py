from shipping.models.shipments import Manifest, Shipment, ShippingRule, TrackingEvent
from shipping.models.webhooks import CarrierWebhookAccount

__all__ = ["CarrierWebhookAccount", "Manifest", "Shipment", "ShippingRule", "TrackingEvent"]
