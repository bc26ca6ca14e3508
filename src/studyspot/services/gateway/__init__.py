"""The API gateway: one entry point on port 3000 in front of every service (ARCHITECTURE §2)."""
