"""The booking rules, split by noun. Functions take the session and never commit."""
