"""The summary of one consultation's responses: pure pandas and numpy, no Django
(``compute.summarise``)."""
