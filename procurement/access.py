"""Permission policy of the procurement app: who may see or do what, in one place."""
