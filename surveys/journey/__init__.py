"""The respondent's journey: the consultation's pages, the form, drafts, submit, amend, withdraw."""
