from shipping.models.shipments import Manifest, Shipment, ShippingRule, TrackingEvent

__all__ = ["Manifest", "Shipment", "ShippingRule", "TrackingEvent"]
