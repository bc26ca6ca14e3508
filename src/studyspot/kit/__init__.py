"""Shared infrastructure every service is built from; knows no business rules."""
