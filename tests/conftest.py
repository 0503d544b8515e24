# Shared pytest configuration. Keep this file small; add plugins to the list.
pytest_plugins = ["prom.fixtures"]
