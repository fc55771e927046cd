"""Email alerts and digests of community activity."""
