"""Alembic migrations, shipped inside the package so every deployment has them."""
