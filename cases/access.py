"""Permission policy of the cases app: who may see or do what, in one place."""
