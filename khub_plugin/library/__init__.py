"""A community's document library with ratings, comments and tags."""
