"""Staff review of the responses: review status and notes, theme coding, campaign groups."""
