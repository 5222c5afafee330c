"""The functional core: models, rules, pure scoring, BANT, alert text and the what-if replay.
No AWS, HTTP, clock or provider in here (tests/unit/test_boundaries.py keeps it so)."""
