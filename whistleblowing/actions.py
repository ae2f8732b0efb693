"""Actions of the whistleblowing app: one transaction and one audit row each."""
