"""`cxsite check`: validation, the link check of the rendered site, and the intranet doctor."""
