"""Personal blogs whose posts can be published into communities."""
