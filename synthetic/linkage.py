# ruff: noqa: E501 -- the report pages are laid out as text, one line per figure
"""The linkage laboratory: seed 001's experiment as a tool.

A dataset is split into two parts that share some variables, as if two institutions held them. The
lab links the *original* parts (exact matching on the shared variables, nearest neighbour,
propensity-score matching) and measures the accuracy — the baseline without which a result on
synthetic data cannot be judged; it then synthesises each part separately, links the synthetic parts
the same ways and measures how much of the cross-part relationships survives (associations between
a variable of part A and one of part B, a regression across the parts); for comparison it also
synthesises after linking. It measures how each shared variable influences linkage (accuracy gained
by adding it, lost by dropping it) and rebuilds the linked synthetic dataset.

Record-level accuracy exists only for the original parts: synthetic records are nobody, so for the
synthetic parts the lab reports the link rate and the relationships that survive instead.
Propensity-score matching is expected to fail on parts that describe the same population (every
score ≈ 0.5) — true on the original data too, which the baseline shows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.utils.translation import gettext_noop  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from . import figures  # noqa: E402
from .pipeline import InputError, _clean, check_columns, input_error, write_table  # noqa: E402
from .report import _distance_space, association_matrix, regression_comparison  # noqa: E402
from .synthesis import CATEGORICAL, NOT_VALID_LABEL, _as_labels, column_kinds, synthesise  # noqa: E402

METHODS = ("exact", "nearest_neighbour", "propensity_score")
Progress = Callable[[int], None]


# --- linking ----------------------------------------------------------------------------------------


def _keys(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    return pd.util.hash_pandas_object(
        pd.DataFrame({c: _as_labels(df[c]).to_numpy() for c in columns}), index=False
    ).to_numpy()


def link_exact(
    a: pd.DataFrame, b: pd.DataFrame, columns: Sequence[str], rng: np.random.Generator
) -> np.ndarray:
    """For each A record, a B record with the same values of ``columns`` (−1 when there is none).

    Within a group of equal keys the pairing is a random one-to-one assignment (cycling when B's
    group is smaller), so that a group of k look-alikes yields on average one correct link."""
    if not columns:
        return rng.integers(0, len(b), len(a))
    ka, kb = _keys(a, columns), _keys(b, columns)
    b_order = np.lexsort((rng.random(len(b)), kb))
    kb_sorted = kb[b_order]
    groups, starts, counts = np.unique(kb_sorted, return_index=True, return_counts=True)
    a_order = np.lexsort((rng.random(len(a)), ka))
    ka_sorted = ka[a_order]
    a_starts = np.searchsorted(ka_sorted, ka_sorted, side="left")
    rank_sorted = np.arange(len(a)) - a_starts
    rank = np.empty(len(a), dtype=np.int64)
    rank[a_order] = rank_sorted
    pos = np.searchsorted(groups, ka)
    pos_c = np.clip(pos, 0, len(groups) - 1)
    found = (pos < len(groups)) & (groups[pos_c] == ka)
    link = np.full(len(a), -1, dtype=np.int64)
    link[found] = b_order[starts[pos_c[found]] + rank[found] % counts[pos_c[found]]]
    return link


def link_nearest(
    a: pd.DataFrame, b: pd.DataFrame, columns: Sequence[str], rng: np.random.Generator
) -> np.ndarray:
    """Each A record to its nearest B record on ``columns`` (range-scaled numbers, one-hot categories);
    a tiny random jitter breaks ties at random rather than by file order."""
    if not columns:
        return rng.integers(0, len(b), len(a))
    kinds = column_kinds(a[list(columns)])
    fa, fb = _distance_space(
        [a[list(columns)], b[list(columns)]], kinds, pd.concat([a[list(columns)], b[list(columns)]])
    )
    fb = fb + rng.uniform(0, 1e-6, fb.shape)
    nn = NearestNeighbors(n_neighbors=1).fit(fb)
    return nn.kneighbors(fa, return_distance=False)[:, 0]


def link_propensity(
    a: pd.DataFrame, b: pd.DataFrame, columns: Sequence[str], rng: np.random.Generator
) -> np.ndarray:
    """Propensity-score matching: a logistic model of 'is in A' on the shared variables; each A record
    to the B record with the closest score (ties at random)."""
    if not columns:
        return rng.integers(0, len(b), len(a))
    kinds = column_kinds(a[list(columns)])
    both = pd.concat([a[list(columns)], b[list(columns)]], ignore_index=True)
    (X,) = _distance_space([both], kinds, both)
    y = np.r_[np.ones(len(a)), np.zeros(len(b))]
    model = LogisticRegression(max_iter=500).fit(X, y)
    scores = model.predict_proba(X)[:, 1]
    sa, sb = scores[: len(a)], scores[len(a) :] + rng.uniform(0, 1e-9, len(b))
    order = np.argsort(sb)
    sorted_b = sb[order]
    pos = np.clip(np.searchsorted(sorted_b, sa), 1, len(sb) - 1)
    left, right = sorted_b[pos - 1], sorted_b[pos]
    pick = np.where(np.abs(sa - left) <= np.abs(right - sa), pos - 1, pos)
    return order[pick]


LINKERS = {"exact": link_exact, "nearest_neighbour": link_nearest, "propensity_score": link_propensity}


def accuracy(link: np.ndarray, truth: np.ndarray) -> float:
    """Share of A records linked to their own B record."""
    return float(np.mean(link == truth)) if len(link) else 0.0


# --- relationships across the parts -------------------------------------------------------------


def linked_frame(a: pd.DataFrame, b: pd.DataFrame, link: np.ndarray, part_b: Sequence[str]) -> pd.DataFrame:
    """A's records with the part-B variables of their linked B record (the unlinked are left out)."""
    ok = link >= 0
    left = a.loc[ok].reset_index(drop=True)
    right = b.iloc[link[ok]][list(part_b)].reset_index(drop=True)
    return pd.concat([left, right], axis=1)


def cross_associations(
    df: pd.DataFrame, kinds: dict, part_a: Sequence[str], part_b: Sequence[str], reference: pd.DataFrame
) -> np.ndarray:
    cols = list(part_a) + list(part_b)
    m = association_matrix(df[cols], {c: kinds[c] for c in cols}, cols, reference=reference)
    return m[: len(part_a), len(part_a) :]


def relationship_survival(
    linked: pd.DataFrame,
    truth: pd.DataFrame,
    kinds: dict,
    common: Sequence[str],
    part_a: Sequence[str],
    part_b: Sequence[str],
    truth_cross: np.ndarray,
    outcome: str | None,
    predictors: list[str],
) -> dict:
    """How the associations between part-A and part-B variables, and a regression of a part-B outcome
    on part-A (and shared) variables, compare with the true linked data."""
    cross = cross_associations(linked, kinds, part_a, part_b, truth)
    out = {
        "records": int(len(linked)),
        "cross_associations": np.round(cross, 4).tolist(),
        "cross_association_mean_abs_difference": float(np.abs(cross - truth_cross).mean()),
    }
    if outcome is not None and len(linked) > len(predictors) + 2:
        reg = regression_comparison(truth, linked, kinds, outcome, predictors)
        out["regression_mean_ci_overlap"] = reg.get("mean_ci_overlap")
        out["regression"] = reg
    return out


# --- the lab --------------------------------------------------------------------------------------


def run_linkage_lab(
    df: pd.DataFrame,
    *,
    common: Sequence[str],
    part_a: Sequence[str],
    part_b: Sequence[str],
    report_dir: Path,
    seed: int = 1,
    min_leaf_size: int = 20,
    max_queries: int = 5000,
    title: str = "",
    progress: Progress | None = None,
) -> dict:
    with threadpool_limits(1):
        return _run(
            df,
            common=list(common),
            part_a=list(part_a),
            part_b=list(part_b),
            report_dir=Path(report_dir),
            seed=seed,
            min_leaf_size=min_leaf_size,
            max_queries=max_queries,
            title=title,
            progress=progress or (lambda p: None),
        )


def _validate(df: pd.DataFrame, common: list[str], part_a: list[str], part_b: list[str]) -> None:
    if not common:
        raise InputError(gettext_noop("--common: at least one shared variable is needed"))
    if not part_a or not part_b:
        raise InputError(gettext_noop("--part-a and --part-b: each part needs at least one variable of its own"))
    check_columns(df, common, "--common")
    check_columns(df, part_a, "--part-a")
    check_columns(df, part_b, "--part-b")
    names = common + part_a + part_b
    if len(set(names)) != len(names):
        raise InputError(gettext_noop("a variable may appear in only one of --common, --part-a and --part-b"))
    if len(df) < 100:
        raise InputError(gettext_noop("at least 100 records are needed for the linkage laboratory"))


def _run(
    df, *, common, part_a, part_b, report_dir, seed, min_leaf_size, max_queries, title, progress
) -> dict:
    _validate(df, common, part_a, part_b)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    data = df[common + part_a + part_b].reset_index(drop=True)
    kinds = column_kinds(data)
    a = data[common + part_a]
    shuffle = rng.permutation(len(data))  # B in another order: no help from file order
    b = data[common + part_b].iloc[shuffle].reset_index(drop=True)
    truth = np.argsort(shuffle)  # A record i is B record truth[i]
    queries = np.sort(rng.choice(len(a), min(max_queries, len(a)), replace=False))
    a_q, truth_q = a.iloc[queries].reset_index(drop=True), truth[queries]

    outcome = next((c for c in part_b if kinds[c] != CATEGORICAL), None)
    predictors = [
        c for c in common + part_a if kinds[c] != CATEGORICAL or data[c].nunique(dropna=False) <= 20
    ]
    truth_cross = cross_associations(data, kinds, part_a, part_b, data)

    def survive(linked):
        return relationship_survival(
            linked,
            data,
            kinds,
            common,
            part_a,
            part_b,
            truth_cross,  # noqa: E731
            outcome,
            predictors,
        )

    # 1. the baseline: the original parts
    baseline = {}
    for method, linker in LINKERS.items():
        link = linker(a_q, b, common, rng)
        baseline[method] = {
            "accuracy": accuracy(link, truth_q),
            "link_rate": float((link >= 0).mean()),
            **survive(linked_frame(a_q, b, link, part_b)),
        }
    keys = _keys(data, common)
    _, key_counts = np.unique(keys, return_counts=True)
    baseline["unique_on_shared_variables"] = float((key_counts == 1).sum() / len(data))
    progress(25)

    # 2. each part synthesised separately, then linked the same ways
    try:
        a_syn = synthesise(a, seed=seed, min_leaf_size=min_leaf_size).data
        b_syn = synthesise(b, seed=seed + 1, min_leaf_size=min_leaf_size).data
    except ValueError as exc:
        raise input_error(exc) from exc
    progress(45)
    a_syn_q = a_syn.iloc[
        np.sort(rng.choice(len(a_syn), min(max_queries, len(a_syn)), replace=False))
    ].reset_index(drop=True)
    synthetic_parts = {}
    links = {}
    for method, linker in LINKERS.items():
        link = linker(a_syn_q, b_syn, common, rng)
        links[method] = link
        synthetic_parts[method] = {
            "accuracy": None,
            "link_rate": float((link >= 0).mean()),
            **survive(linked_frame(a_syn_q, b_syn, link, part_b)),
        }
    progress(65)

    # 3. synthesised after linking
    after = synthesise(data, seed=seed + 2, min_leaf_size=min_leaf_size).data
    after_q = after.iloc[
        np.sort(rng.choice(len(after), min(max_queries, len(after)), replace=False))
    ].reset_index(drop=True)
    synthesise_after_linking = survive(after_q)
    progress(75)

    # 4. the influence of each shared variable on linkage (original parts: where accuracy exists)
    influence = []
    previous = {"exact": 0.0, "nearest_neighbour": 0.0}
    all_vars = {m: baseline[m]["accuracy"] for m in previous}
    for k, var in enumerate(common):
        with_first = common[: k + 1]
        without = [c for c in common if c != var]
        row = {"variable": var, "distinct_values": int(data[var].nunique(dropna=False))}
        for method in previous:
            acc = accuracy(LINKERS[method](a_q, b, with_first, rng), truth_q)
            acc_without = accuracy(LINKERS[method](a_q, b, without, rng), truth_q)
            row[f"{method}_accuracy_cumulative"] = acc
            row[f"{method}_gain_when_added"] = acc - previous[method]
            row[f"{method}_loss_when_dropped"] = all_vars[method] - acc_without
            previous[method] = acc
        influence.append(row)
    progress(90)

    # 5. the linked dataset rebuilt from the synthetic parts: exact matches, nearest neighbour otherwise
    link = link_exact(a_syn, b_syn, common, rng)
    missing = link < 0
    if missing.any():
        link[missing] = link_nearest(a_syn.loc[missing].reset_index(drop=True), b_syn, common, rng)
    rebuilt = linked_frame(a_syn, b_syn, link, part_b)
    report_dir.mkdir(parents=True, exist_ok=True)
    write_table(rebuilt, report_dir / "linked_synthetic.csv")

    report = _clean(
        {
            "label": NOT_VALID_LABEL,
            "seed": seed,
            "records": len(data),
            "records_evaluated": int(len(queries)),
            "common": common,
            "part_a": part_a,
            "part_b": part_b,
            "regression": {"outcome": outcome, "predictors": predictors},
            "accuracy_exact": baseline["exact"]["accuracy"],
            "accuracy_nearest_neighbour": baseline["nearest_neighbour"]["accuracy"],
            "accuracy_propensity_score": baseline["propensity_score"]["accuracy"],
            "true_cross_associations": np.round(truth_cross, 4).tolist(),
            "baseline_original_parts": baseline,
            "synthetic_parts": synthetic_parts,
            "synthesise_after_linking": synthesise_after_linking,
            "variable_influence": influence,
            "rebuilt": {
                "file": "linked_synthetic.csv",
                "records": int(len(rebuilt)),
                "exact_links": int((~missing).sum()),
                "nearest_neighbour_links": int(missing.sum()),
            },
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    report["figures"] = _figures(report, report_dir, title or "Linkage laboratory")
    (report_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    progress(100)
    return report


def _summary(report: dict) -> list[str]:
    b, s = report["baseline_original_parts"], report["synthetic_parts"]
    after = report["synthesise_after_linking"]
    lines = [
        f"Records: {report['records']} ({report['records_evaluated']} evaluated), seed {report['seed']}.",
        f"Shared variables: {', '.join(report['common'])}; part A: {', '.join(report['part_a'])}; "
        f"part B: {', '.join(report['part_b'])}.",
        f"Records unique on the shared variables: {100 * b['unique_on_shared_variables']:.1f} %.",
        "",
        "1. BASELINE — linking the ORIGINAL parts (record-level accuracy)",
    ]
    for m in METHODS:
        lines.append(
            f"   {m:20s} accuracy {100 * b[m]['accuracy']:6.2f} %   mean |cross-association error| "
            f"{b[m]['cross_association_mean_abs_difference']:.4f}   CI overlap "
            f"{(b[m].get('regression_mean_ci_overlap') or 0):.3f}"
        )
    lines += [
        "",
        "2. Each part SYNTHESISED SEPARATELY, then linked (no record-level truth: link rate and relationships)",
    ]
    for m in METHODS:
        lines.append(
            f"   {m:20s} link rate {100 * s[m]['link_rate']:6.2f} %   mean |cross-association error| "
            f"{s[m]['cross_association_mean_abs_difference']:.4f}   CI overlap "
            f"{(s[m].get('regression_mean_ci_overlap') or 0):.3f}"
        )
    lines += [
        "",
        "3. SYNTHESISED AFTER LINKING",
        f"   mean |cross-association error| {after['cross_association_mean_abs_difference']:.4f}   CI overlap "
        f"{(after.get('regression_mean_ci_overlap') or 0):.3f}",
        "",
        "4. INFLUENCE OF EACH SHARED VARIABLE (accuracy on the original parts)",
    ]
    for row in report["variable_influence"]:
        lines.append(
            f"   {row['variable'][:22]:22s} exact +{100 * row['exact_gain_when_added']:6.2f} pts when added, "
            f"-{100 * row['exact_loss_when_dropped']:6.2f} when dropped; nearest neighbour "
            f"+{100 * row['nearest_neighbour_gain_when_added']:6.2f} / -{100 * row['nearest_neighbour_loss_when_dropped']:6.2f}"
        )
    lines += [
        "",
        f"5. REBUILT linked synthetic dataset: {report['rebuilt']['records']} records "
        f"({report['rebuilt']['exact_links']} exact links, {report['rebuilt']['nearest_neighbour_links']} nearest neighbour).",
        "",
        "Propensity-score matching cannot tell apart records of two files that describe the same population",
        "(every score is close to 0.5): its failure on the original parts is the baseline, not a defect.",
    ]
    return lines


def _figures(report: dict, directory: Path, title: str) -> dict:
    b, s = report["baseline_original_parts"], report["synthetic_parts"]
    fig1, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    x = np.arange(len(METHODS))
    axes[0].bar(x, [100 * b[m]["accuracy"] for m in METHODS], color="#4c72b0")
    axes[0].set_xticks(x, [m.replace("_", " ") for m in METHODS], fontsize=8)
    axes[0].set_ylabel("records linked correctly (%)")
    axes[0].set_title("Accuracy on the original parts (baseline)", fontsize=9)
    width = 0.27
    axes[1].bar(
        x - width,
        [b[m]["cross_association_mean_abs_difference"] for m in METHODS],
        width,
        label="original parts",
    )
    axes[1].bar(
        x, [s[m]["cross_association_mean_abs_difference"] for m in METHODS], width, label="synthetic parts"
    )
    axes[1].bar(
        x + width,
        [report["synthesise_after_linking"]["cross_association_mean_abs_difference"]] * 3,
        width,
        label="synthesised after linking",
    )
    axes[1].set_xticks(x, [m.replace("_", " ") for m in METHODS], fontsize=8)
    axes[1].set_ylabel("mean |cross-part association error|")
    axes[1].set_title("How cross-part relationships survive", fontsize=9)
    axes[1].legend(fontsize=7)
    figures._stamp(fig1, "Linkage accuracy and relationships")
    fig1.subplots_adjust(left=0.08, right=0.97, bottom=0.12, top=0.8, wspace=0.3)

    infl = report["variable_influence"]
    fig2, ax = plt.subplots(figsize=(11, 4))
    xi = np.arange(len(infl))
    ax.bar(xi - 0.2, [100 * r["exact_gain_when_added"] for r in infl], 0.4, label="exact: gain when added")
    ax.bar(
        xi + 0.2, [100 * r["exact_loss_when_dropped"] for r in infl], 0.4, label="exact: loss when dropped"
    )
    ax.set_xticks(xi, [r["variable"] for r in infl], fontsize=8)
    ax.set_ylabel("accuracy (percentage points)")
    ax.legend(fontsize=7)
    figures._stamp(fig2, "Influence of each shared variable on linkage")
    fig2.subplots_adjust(left=0.08, right=0.97, bottom=0.15, top=0.8)

    truth = np.array(report["true_cross_associations"])
    syn = np.array(s["exact"]["cross_associations"])
    after = np.array(report["synthesise_after_linking"]["cross_associations"])
    fig3, axes3 = plt.subplots(1, 3, figsize=(12, 4.2))
    for axis, matrix, name in (
        (axes3[0], truth, "true linked data"),
        (axes3[1], syn, "synthetic parts, exact link"),
        (axes3[2], after, "synthesised after linking"),
    ):
        im = axis.imshow(matrix, cmap="viridis", vmin=-1, vmax=1)
        axis.set_yticks(range(len(report["part_a"])), report["part_a"], fontsize=7)
        axis.set_xticks(range(len(report["part_b"])), report["part_b"], fontsize=7, rotation=90)
        axis.set_title(name, fontsize=9)
        fig3.colorbar(im, ax=axis, fraction=0.046, pad=0.04)
    figures._stamp(fig3, "Associations between part A (rows) and part B (columns)")
    fig3.subplots_adjust(left=0.1, right=0.97, bottom=0.25, top=0.8, wspace=0.5)
    return figures.write(
        {
            "_summary": figures.text_page(title, _summary(report)),
            "accuracy": fig1,
            "influence": fig2,
            "cross_associations": fig3,
        },
        directory,
        title=title,
    )
