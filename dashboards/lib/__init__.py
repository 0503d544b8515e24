"""Helpers shared by the dashboards (they define no dashboard, so dashgen reads nothing here)."""
