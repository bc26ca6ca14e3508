"""The attendance service (port 3008): door codes, check-in, the register, no-shows."""
