"""Small pieces shared by several features: sanitising, the safe fetcher, pagination, mixins."""
