"""HTTP routes of the booking service.

Order matters: the fixed paths under `/api/v1/bookings` (`availability`, `waitlist`)
are declared before `/api/v1/bookings/{booking_id}`.
"""
