"""The platform's disclosure-control parameters, stored with every result."""

from dataclasses import asdict, dataclass, fields

from django.conf import settings


@dataclass(frozen=True)
class SDCParams:
    """ACRO 1.0.2's defaults (its ``default.yaml``), overridable through ``settings.SDC``."""

    safe_threshold: int = 10
    safe_dof_threshold: int = 10
    safe_nk_n: int = 2
    safe_nk_k: float = 0.9
    safe_pratio_p: float = 0.1
    check_missing_values: bool = False
    zeros_are_disclosive: bool = True
    # ACRO 1.0.2 fails a cell when the top n contributions are >= k of the total (its NKCheck uses
    # ``>=``); the SDC handbook's wording is "more than k". True keeps ACRO's behaviour.
    dominance_at_exactly_k_fails: bool = True

    @classmethod
    def from_settings(cls, **overrides) -> "SDCParams":
        configured = getattr(settings, "SDC", {}) or {}
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in configured.items() if k in names}
        values.update({k: v for k, v in overrides.items() if k in names})
        return cls(**values)

    def as_dict(self) -> dict:
        return asdict(self)
