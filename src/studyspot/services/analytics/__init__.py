"""The analytics service (port 3012): owners' KPIs from read models fed by events."""
