"""The booking service: availability and race-free seat bookings (port 3006)."""
