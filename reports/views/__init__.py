"""Staff and public pages of the summary reports."""
