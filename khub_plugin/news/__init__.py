"""News panels aggregating RSS/Atom feeds a community chooses."""
