import os
import sys

# Make helpers in tests/ (e.g. grafana_double) importable as top-level modules.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
