"""Benchmarks of the report pipeline, the exports and the respondent pages (``make bench``).

Not part of the test suite: timings depend on the machine. ``python -m bench --size 10000
--size 100000`` builds (or reuses) one consultation per size in the PostgreSQL database named by
``DATABASE_URL`` (the Makefile points it at ``consult_bench``), measures each step in a fresh
subprocess so that peak memory is that step's own, prints one table and writes
``bench/results.md``.
"""
