"""Actions of the cases app: one transaction and one audit row each."""
