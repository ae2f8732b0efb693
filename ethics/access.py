"""Permission policy of the ethics app: who may see or do what, in one place."""
