"""Staff entry of responses received by email, post or fax: the respondent's own form pages,
filled in by staff from the letter, with the original kept and the entry audited."""
