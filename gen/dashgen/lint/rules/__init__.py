"""The rules, one module per concern. Importing this package registers them all, in the
order findings are reported: dashboard, template, panel, target, then rule files."""

from . import dashboard, template, panel, target, alert  # noqa: F401, I001  (order: the report order)
