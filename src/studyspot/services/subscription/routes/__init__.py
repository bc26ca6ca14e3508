"""Routers of the subscription service."""
