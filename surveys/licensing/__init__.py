"""Licensed firms identified: the licence number a respondent gives, the registers staff upload,
and each response's licence status (``numbers``, ``register_file``, ``services``)."""
