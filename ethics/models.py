"""Models of the ethics app."""
