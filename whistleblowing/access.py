"""Permission policy of the whistleblowing app: who may see or do what, in one place."""
