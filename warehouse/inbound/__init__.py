"""Inbound: purchase orders and ASNs, receiving at the dock, putaway into storage."""
