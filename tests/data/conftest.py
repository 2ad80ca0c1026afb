"""The fixture writer needs torch and is run by hand, never collected (not even for doctests)."""

collect_ignore = ["make_statedict_fixtures.py"]
