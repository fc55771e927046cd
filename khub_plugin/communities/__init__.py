"""The core: community pages, membership, the access policy and the feature registry."""
