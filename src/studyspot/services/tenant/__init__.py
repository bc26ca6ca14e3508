"""Tenant service (port 3003): tenants, their status, and where their data lives."""
