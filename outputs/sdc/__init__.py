"""The statistical disclosure control engine (agreeing with ACRO 1.0.2 at its default configuration)."""

from .params import SDCParams
from .result import RULES, CheckResult
from .spec import ALL_STATISTICS, SpecError, run_spec, validate_spec

__all__ = ["ALL_STATISTICS", "RULES", "CheckResult", "SDCParams", "SpecError", "run_spec", "validate_spec"]
