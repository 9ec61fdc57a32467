"""The report's figures (matplotlib, Agg) and its PDF; every page says the data are synthetic."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

from .report import _as_labels, _as_number  # noqa: E402
from .synthesis import CATEGORICAL, MISSING, NOT_VALID_LABEL, column_kinds  # noqa: E402

LABEL = NOT_VALID_LABEL.upper()


def _stamp(fig, title: str) -> None:
    fig.suptitle(f"{title}\n{LABEL}", fontsize=11, color="#8a1c1c")


def distributions_figure(
    real: pd.DataFrame, synthetic: pd.DataFrame, *, real_label: str = "real holdout", max_vars: int = 16
):
    kinds = column_kinds(real)
    cols = list(kinds)[:max_vars]
    ncols = 4
    nrows = max(1, math.ceil(len(cols) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(11, 2.6 * nrows + 1), squeeze=False)
    for ax, col in zip(axes.flat, cols, strict=False):
        if kinds[col] == CATEGORICAL:
            p = _as_labels(real[col]).value_counts(normalize=True)
            q = _as_labels(synthetic[col]).value_counts(normalize=True)
            top = list(p.index[:10])
            x = np.arange(len(top))
            ax.bar(x - 0.2, p.reindex(top).fillna(0), width=0.4, label=real_label, color="#4c72b0")
            ax.bar(x + 0.2, q.reindex(top).fillna(0), width=0.4, label="synthetic", color="#dd8452")
            ticks = ["NA" if t == MISSING else textwrap.shorten(str(t), 10, placeholder="…") for t in top]
            ax.set_xticks(x, ticks, rotation=60, fontsize=6)
        else:
            a, b = _as_number(real[col], kinds[col]), _as_number(synthetic[col], kinds[col])
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            both = np.r_[a, b]
            if len(both):
                bins = np.histogram_bin_edges(both, bins=30)
                # stairs, not hist: one artist per series instead of one patch per bin
                ax.stairs(
                    np.histogram(a, bins=bins, density=True)[0],
                    bins,
                    fill=True,
                    alpha=0.5,
                    label=real_label,
                    color="#4c72b0",
                )
                ax.stairs(
                    np.histogram(b, bins=bins, density=True)[0],
                    bins,
                    fill=True,
                    alpha=0.5,
                    label="synthetic",
                    color="#dd8452",
                )
            ax.tick_params(labelsize=6)
        ax.set_title(textwrap.shorten(str(col), 28, placeholder="…"), fontsize=8)
    for ax in list(axes.flat)[len(cols) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    _stamp(fig, "Distributions side by side")
    # fixed margins: tight_layout measures every tick label, seconds per figure on a busy machine
    fig.subplots_adjust(
        left=0.05, right=0.98, bottom=0.08, top=1 - 0.9 / (2.6 * nrows + 1), hspace=0.9, wspace=0.3
    )
    return fig


def associations_figure(associations: dict, *, real_label: str = "real holdout"):
    cols = associations["columns"]
    real, syn = np.array(associations["real"]), np.array(associations["synthetic"])
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.8))
    short = [textwrap.shorten(str(c), 14, placeholder="…") for c in cols]
    for ax, matrix, title, cmap, lim in (
        (axes[0], real, real_label, "viridis", (-1, 1)),
        (axes[1], syn, "synthetic", "viridis", (-1, 1)),
        (axes[2], syn - real, "synthetic − real", "RdBu_r", (-0.5, 0.5)),
    ):
        im = ax.imshow(matrix, cmap=cmap, vmin=lim[0], vmax=lim[1])
        ax.set_xticks(range(len(cols)), short, rotation=90, fontsize=6)
        ax.set_yticks(range(len(cols)), short, fontsize=6)
        ax.set_title(title, fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    _stamp(fig, "Pairwise associations (Pearson r; Cramér's V for pairs with a categorical variable)")
    fig.subplots_adjust(left=0.08, right=0.97, bottom=0.22, top=0.82, wspace=0.45)
    return fig


def tradeoff_figure(points: list[dict], privacy: dict | None = None):
    """Utility (S_pMSE, lower is better) against disclosure risk (exact copies, DCR)."""
    fig, axes = plt.subplots(1, 2 if privacy else 1, figsize=(11, 4.4), squeeze=False)
    ax = axes[0][0]
    for p in points:
        ax.scatter(p["S_pMSE"], 100 * p["exact_copies"], s=60, label=p["name"])
        ax.annotate(
            p["name"],
            (p["S_pMSE"], 100 * p["exact_copies"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel("S_pMSE (utility: lower is better)")
    ax.set_ylabel("exact copies of training records (%)")
    ax.set_title("Utility / privacy trade-off", fontsize=9)
    if privacy:
        ax2 = axes[0][1]
        d_syn, d_hold = np.array(privacy["distances_synthetic"]), np.array(privacy["distances_holdout"])
        top = float(np.quantile(np.r_[d_syn, d_hold], 0.99)) if len(d_syn) + len(d_hold) else 1.0
        bins = np.linspace(0, top or 1.0, 40)
        ax2.stairs(
            np.histogram(d_hold, bins=bins, density=True)[0],
            bins,
            fill=True,
            alpha=0.5,
            label="real holdout → training",
            color="#4c72b0",
        )
        ax2.stairs(
            np.histogram(d_syn, bins=bins, density=True)[0],
            bins,
            fill=True,
            alpha=0.5,
            label="synthetic → training",
            color="#dd8452",
        )
        ax2.set_xlabel("distance to closest training record")
        ax2.set_title("Distance to closest record (DCR)", fontsize=9)
        ax2.legend(fontsize=7)
    _stamp(fig, "Utility and disclosure risk")
    fig.subplots_adjust(left=0.08, right=0.97, bottom=0.13, top=0.8, wspace=0.3)
    return fig


def text_page(title: str, lines: list[str]):
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.07, 0.95, title, fontsize=15, weight="bold")
    fig.text(0.07, 0.925, LABEL, fontsize=11, color="#8a1c1c", weight="bold")
    y = 0.89
    for line in lines:
        for part in textwrap.wrap(line, 95) or [""]:
            fig.text(0.07, y, part, fontsize=8.5, family="DejaVu Sans Mono")
            y -= 0.017
            if y < 0.04:
                break
    return fig


def write(figures: dict, directory: Path, pdf_name: str = "report.pdf", title: str = "") -> dict:
    """Save each figure as PNG (for the web page) and all of them, in order, into one PDF."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    with PdfPages(
        directory / pdf_name,
        metadata={"Title": f"{title} — {NOT_VALID_LABEL}", "Subject": NOT_VALID_LABEL, "Creator": "ask4mdp"},
    ) as pdf:
        for name, fig in figures.items():
            pdf.savefig(fig)
            if not name.startswith("_"):
                fig.savefig(directory / f"{name}.png", dpi=90)
                paths[name] = f"{name}.png"
            plt.close(fig)
    paths["pdf"] = pdf_name
    return paths
