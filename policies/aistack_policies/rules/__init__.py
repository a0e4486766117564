"""One module per rule (or per small group of rules sharing one table row)."""
