"""Ways to reach the fake; the only code that knows HTTP libraries."""
