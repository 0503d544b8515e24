# Shared pytest configuration. Keep this file small; add plugins to the list.
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # `import prom...` in any --import-mode
pytest_plugins = ["prom.fixtures"]
