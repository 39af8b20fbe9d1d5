"""`cxsite new` and `cxsite init`: what to write for a writer, planned without touching disk."""
