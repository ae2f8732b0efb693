"""Actions of the ethics app: one transaction and one audit row each."""
