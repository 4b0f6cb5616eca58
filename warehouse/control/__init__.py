"""Inventory control: discrepancies raised on the floor, their investigation, counts and resolutions."""
