"""The audit pack of published conclusions: export (``pack``) and verification (``verify``)."""
