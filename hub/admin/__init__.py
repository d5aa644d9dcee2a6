"""The admin area: reference data, networks, forum categories and accounts."""
