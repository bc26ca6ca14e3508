"""HTTP routes of the student service, one module per noun."""
