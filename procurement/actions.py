"""Actions of the procurement app: one transaction and one audit row each."""
