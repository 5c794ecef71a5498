"""Bulk import of responses received outside the web form: a template per consultation
(``template``), reading a CSV or XLSX file (``reading``), checking every row with the web form's
rules (``checks``) and writing them all or none (``services``)."""
