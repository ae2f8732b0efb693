"""Models of the whistleblowing app."""
