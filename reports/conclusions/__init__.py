"""Consultation conclusions: staff draft the regulator's response, publish it, withdraw it."""
