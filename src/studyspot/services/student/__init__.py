"""Student service (port 3004): the student register of a tenant."""
