"""The library service (port 3005): branches, seats, shifts, fee plans and library staff."""
