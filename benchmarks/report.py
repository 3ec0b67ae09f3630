"""Build the results table, one plot per problem and docs/benchmarks/samplers.md.

Reads whatever JSON files exist under benchmarks/results/ (partial runs are
fine) and prints the table. Definitions:

* final regret: ``optimum - true score`` of a run's incumbent (best observed
  score among evaluations at ``max_iter``) after all its partial_fit calls.
  Shown as median [25th, 75th percentile] over seeds.
* calls-to-target ratio: the target is the median final regret of "random".
  On the *median curve* (median over seeds of the incumbent's regret at each
  cumulative partial_fit call, a run with no full-budget result yet counting
  as infinitely bad) we take the first call where it is <= target, for the
  method and for "random"; the ratio is method / random. Met when <= 0.5;
  "not reached" when the method's median curve never gets there.
* "<= dehb", "<= optuna": the method's median final regret is no worse than
  the peer's.

Usage::

    python benchmarks/report.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import RESULTS, SETTINGS, total_calls  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks"
ANALYSIS = HERE / "ANALYSIS.md"
METHODS = ["random", "de", "bo", "optuna", "dehb"]
LEARNERS = ["de", "bo"]
PEERS = ["dehb", "optuna"]
COLORS = {"random": "tab:gray", "de": "tab:blue", "bo": "tab:green",
          "optuna": "tab:orange", "dehb": "tab:purple"}
LABELS = {"random": "hbsearch random", "de": "hbsearch de", "bo": "hbsearch bo",
          "optuna": "Optuna TPE + HyperbandPruner", "dehb": "dehb 0.1.2"}
TITLES = {"branin": "MF-Branin (2-d)", "hartmann3": "MF-Hartmann-3 (preset good)",
          "hartmann6": "MF-Hartmann-6 (preset good)",
          "counting_ones": "Stochastic counting ones (8 cat + 8 cont)",
          "mlp": "MLP on circles, mlp_space (regret = 1 - hold-out accuracy)",
          "mlp_cont": "MLP on circles, continuous mlp_space (regret = 1 - hold-out accuracy)"}


def load():
    """{problem: {method: [run dict, ...]}} from every result file."""
    out = {}
    for path in sorted(RESULTS.glob("*/*/seed*.json")):
        run = json.loads(path.read_text())
        out.setdefault(run["problem"], {}).setdefault(run["method"], []).append(run)
    return out


def curves(runs, n_calls):
    """Array (seeds, n_calls) of the incumbent's regret after 1..n_calls calls (inf before any)."""
    grid = np.full((len(runs), n_calls), np.inf)
    for i, run in enumerate(runs):
        for calls, _best, regret in run["points"]:
            grid[i, max(int(calls), 1) - 1:] = regret
    return grid


def final_regrets(runs):
    return np.array([r["points"][-1][2] if r["points"] else np.inf for r in runs])


def first_reach(median_curve, target):
    hit = np.nonzero(median_curve <= target)[0]
    return int(hit[0]) + 1 if hit.size else None


def summarise(data):
    """Rows of the table: one per problem and method with results."""
    rows = []
    for problem in SETTINGS:
        methods = data.get(problem, {})
        if not methods:
            continue
        n = total_calls(problem)
        med_final = {m: float(np.median(final_regrets(r))) for m, r in methods.items()}
        target = med_final.get("random")
        reach = {}
        if target is not None:
            for m, runs in methods.items():
                reach[m] = first_reach(np.median(curves(runs, n), axis=0), target)
        for m in METHODS:
            if m not in methods:
                continue
            fr = final_regrets(methods[m])
            row = {"problem": problem, "method": m, "seeds": len(fr),
                   "median": med_final[m], "q25": float(np.percentile(fr, 25)),
                   "q75": float(np.percentile(fr, 75)), "ratio": None, "reach": reach.get(m)}
            if m in LEARNERS and reach.get("random"):
                row["ratio"] = (reach[m] / reach["random"]) if reach[m] else "not reached"
            for peer in PEERS:
                if m in ("random", *LEARNERS) and peer in med_final:
                    row[f"le_{peer}"] = med_final[m] <= med_final[peer]
            rows.append(row)
    return rows


def _fmt(x):
    if x == np.inf:
        return "inf"
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def table(rows):
    """The table as Markdown lines."""
    head = ("| problem | method | seeds | median final regret [IQR] | calls to target "
            "(median curve) | ratio vs random (met if <= 0.5) | <= dehb | <= optuna |")
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        ratio = r["ratio"]
        if ratio is None:
            ratio_s = "(target)" if r["method"] == "random" else ""
        elif isinstance(ratio, str):
            ratio_s = "not reached"
        else:
            ratio_s = f"{ratio:.2f} ({'met' if ratio <= 0.5 else 'missed'})"
        yn = {True: "yes", False: "no"}
        lines.append(
            f"| {r['problem']} | {r['method']} | {r['seeds']} | {_fmt(r['median'])} "
            f"[{_fmt(r['q25'])}, {_fmt(r['q75'])}] | {r['reach'] if r['reach'] else 'not reached'} "
            f"| {ratio_s} | {yn.get(r.get('le_dehb'), 'n/a')} | {yn.get(r.get('le_optuna'), 'n/a')} |")
    return lines


def plot(problem, methods):
    """Median regret and IQR band against cumulative partial_fit calls."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = total_calls(problem)
    x = np.arange(1, n + 1)
    fig, ax = plt.subplots(figsize=(7.5, 5), dpi=110)
    for m in METHODS:
        if m not in methods:
            continue
        g = curves(methods[m], n)
        med = np.median(g, axis=0)
        lo, hi = np.percentile(g, 25, axis=0), np.percentile(g, 75, axis=0)
        ok = np.isfinite(med)
        ax.plot(x[ok], np.maximum(med[ok], 1e-6), color=COLORS[m], lw=2,
                label=f"{LABELS[m]} ({len(g)} seeds)")
        band = np.isfinite(hi)
        ax.fill_between(x[band], np.maximum(lo[band], 1e-6), np.maximum(hi[band], 1e-6),
                        color=COLORS[m], alpha=0.15, lw=0)
    log = not problem.startswith("mlp")  # MLP regrets stay within 0.1-0.75: linear reads better
    if log:
        ax.set_yscale("log")
    per_iter = n // SETTINGS[problem]["n_iterations"]
    for k in range(1, SETTINGS[problem]["n_iterations"]):
        ax.axvline(k * per_iter, color="k", lw=0.5, alpha=0.2)
    ax.set_xlabel("cumulative partial_fit calls (thin lines: one Hyperband iteration of hbsearch)")
    ax.set_ylabel("regret of incumbent" + (" (log scale)" if log else ""))
    ax.set_title(TITLES.get(problem, problem))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    DOCS.mkdir(parents=True, exist_ok=True)
    path = DOCS / f"{problem}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def settings_lines():
    lines = ["| problem | max_iter | aggressiveness | n_iterations | partial_fit calls per run |",
             "|---|---|---|---|---|"]
    for p, s in SETTINGS.items():
        lines.append(f"| {p} | {s['max_iter']} | {s['aggressiveness']} | {s['n_iterations']} "
                     f"| {total_calls(p)} |")
    return lines


def targets_lines(rows):
    out = []
    for r in rows:
        if r["method"] not in LEARNERS or r["ratio"] is None:
            continue
        if isinstance(r["ratio"], str):
            out.append(f"- {r['problem']} / {r['method']}: target **not reached**")
        else:
            verdict = "met" if r["ratio"] <= 0.5 else "**missed**"
            out.append(f"- {r['problem']} / {r['method']}: ratio {r['ratio']:.2f}, {verdict}")
    return out


def write_markdown(rows, plots):
    md = ["# Sampler benchmarks", "",
          "Generated by `python benchmarks/report.py` from `benchmarks/results/`; "
          "see `benchmarks/README.md` for what is measured and how to reproduce it.", "",
          "## Results", "", *table(rows), "",
          "Regret = optimum - noise-free full-fidelity score of the incumbent (the best observed "
          "score among evaluations at `max_iter`). Target = median final regret of `random`; "
          "calls to target are read off the median-over-seeds curve; ratio = calls(method) / "
          "calls(random), met when <= 0.5.", "",
          "### Targets", "", *targets_lines(rows), "",
          "## Settings", "", *settings_lines(), "",
          "Same settings for `random`, `de` and `bo` (defaults of the samplers). Peers get the "
          "same number of partial_fit calls per run: Optuna (TPESampler(seed), "
          "HyperbandPruner(min_resource=1, max_resource=max_iter, reduction_factor=3), one "
          "`report` per call) runs trials until the calls are spent; dehb (min/max fidelity 1 / "
          "max_iter, eta 3, defaults otherwise) pays `fidelity` calls for every job because it "
          "trains each job from scratch. On the MLP only Optuna was run as a peer, without Dask, "
          "under the same protocol but not the identical hold-out rows (see the analysis).", "",
          "## Plots", ""]
    for p in plots:
        md += [f"![{p.stem}]({p.name})", ""]
    if ANALYSIS.exists():
        md += ["## Analysis", "", ANALYSIS.read_text().strip(), ""]
    (DOCS / "samplers.md").write_text("\n".join(md))


def main():
    np.seterr(invalid="ignore")  # percentiles over inf (no full-budget result yet)
    data = load()
    # Optuna already searches mlp_space's ranges as continuous: its mlp runs serve both.
    if "mlp_cont" in data and "optuna" in data.get("mlp", {}):
        data["mlp_cont"]["optuna"] = data["mlp"]["optuna"]
    rows = summarise(data)
    print("\n".join(table(rows)))
    plots = [plot(p, data[p]) for p in SETTINGS if p in data]
    write_markdown(rows, plots)
    print(f"\nwrote {DOCS / 'samplers.md'} and {len(plots)} plots")


if __name__ == "__main__":
    main()
