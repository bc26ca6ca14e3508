"""One package per deployable service (ARCHITECTURE §1)."""
