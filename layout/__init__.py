"""The warehouse layout (buildings, zones, bins, walk geometry): a leaf app; it imports nothing of ours but core."""
