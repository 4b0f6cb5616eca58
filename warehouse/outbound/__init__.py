"""Outbound: waves, pick sessions and pick failures, pack verification, labels and manifests."""
