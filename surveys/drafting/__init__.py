"""Drafting a response together: invitations to colleagues, their private links, who changed
what, and who may submit."""
