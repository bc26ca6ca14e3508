"""The auth service: sign-up, logins, sessions, passwords, profiles (port 3001)."""
