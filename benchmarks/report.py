"""Build the results table, one plot per problem and docs/benchmarks/samplers.md.

Reads whatever JSON files exist under benchmarks/results/ (partial runs are
fine) and prints the table. Definitions:

* final regret: ``optimum - true score`` of a run's incumbent (best observed
  score among evaluations at ``max_iter``) after all its partial_fit calls.
  Shown as median [25th, 75th percentile] over seeds. On the MLP and the
  scikit-learn tasks (``sgd_clf``, ``mlp_reg``) the optimum is unknown:
  regret = 1 - validation accuracy (1 - R^2 on ``mlp_reg``).
* calls-to-target ratio: the target is the median final regret of "random".
  On the *median curve* (median over seeds of the incumbent's regret at each
  cumulative partial_fit call, a run with no full-budget result yet counting
  as infinitely bad) we take the first call where it is <= target, for the
  method and for "random"; the ratio is method / random. Met when <= 0.5;
  "not reached" when the method's median curve never gets there.
* "<= dehb", "<= optuna": the method's median final regret is no worse than
  the peer's.
* The baseline "topk" gets a calls-to-target ratio too (without a verdict).

``--n-iterations``, ``--workers`` and ``--learning`` select the results of a
non-default setting (``results/<problem>/<method>/it<N>-w<W>[-immediate]/``,
peers from the setting's ``reproducible`` twin); only the table is printed
(no plots, no docs). With ``--workers`` > 1 it has two more columns: the
simulated time at which each method's median curve (median over seeds of the
incumbent's regret against simulated time) first reaches random's target,
and its ratio to random's.

Usage::

    python benchmarks/report.py
    python benchmarks/report.py --n-iterations 2 --workers 8
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import (  # noqa: E402
    DEFAULT_LEARNING,
    DEFAULT_WORKERS,
    RESULTS,
    SETTINGS,
    add_setting_arguments,
    total_calls,
    variant,
)

DOCS = HERE.parent / "docs" / "benchmarks"
ANALYSIS = HERE / "ANALYSIS.md"
METHODS = ["random", "de", "bo", "tpe", "gp", "topk", "optuna", "optuna_gp", "dehb"]
LEARNERS = ["de", "bo", "tpe", "gp"]
BASELINES = ["topk"]  # get a calls-to-target ratio, without a verdict
PEERS = ["dehb", "optuna", "optuna_gp"]
COLORS = {"random": "tab:gray", "de": "tab:blue", "bo": "tab:green", "tpe": "tab:red", "gp": "tab:cyan",
          "topk": "tab:brown", "optuna": "tab:orange", "optuna_gp": "tab:olive", "dehb": "tab:purple"}
LABELS = {"random": "hbsearch random", "de": "hbsearch de", "bo": "hbsearch bo", "tpe": "hbsearch tpe",
          "gp": "hbsearch gp", "topk": "top-K (all 1 call, best K to max_iter)",
          "optuna": "Optuna TPE + HyperbandPruner",
          "optuna_gp": "Optuna GPSampler + HyperbandPruner", "dehb": "dehb 0.1.2"}
TITLES = {"branin": "MF-Branin (2-d)", "hartmann3": "MF-Hartmann-3 (preset good)",
          "hartmann6": "MF-Hartmann-6 (preset good)",
          "counting_ones": "Stochastic counting ones (8 cat + 8 cont)",
          "mlp": "MLP on circles, mlp_space (regret = 1 - hold-out accuracy)",
          "mlp_cont": "MLP on circles, continuous mlp_space (regret = 1 - hold-out accuracy)",
          "sgd_clf": "SGDClassifier on make_classification (regret = 1 - validation accuracy)",
          "mlp_reg": "MLPRegressor (adam) on Friedman #2 (regret = 1 - validation R^2)"}
SYNTHETIC = ("branin", "hartmann3", "hartmann6", "counting_ones")
# Real estimators with an unknown optimum: regret = 1 - validation score.
SKLEARN_TASKS = ("sgd_clf", "mlp_reg")


def load(n_iterations=None, workers=DEFAULT_WORKERS, learning=DEFAULT_LEARNING):
    """{problem: {method: [run dict, ...]}} from every result file of the setting.

    The default setting's files are ``results/<problem>/<method>/seed*.json``;
    another's are in the subdirectory ``common.variant`` names.
    """
    out = {}
    for method_dir in sorted(p for p in RESULTS.glob("*/*") if p.is_dir()):
        problem, method = method_dir.parent.name, method_dir.name
        if problem not in SETTINGS:
            continue
        var = variant(problem, method, n_iterations, workers, learning)
        for path in sorted((method_dir / var if var else method_dir).glob("seed*.json")):
            run = json.loads(path.read_text())
            out.setdefault(run["problem"], {}).setdefault(run["method"], []).append(run)
    return out


def curves(runs, n_calls):
    """Array (seeds, n_calls) of the incumbent's regret after 1..n_calls calls (inf before any)."""
    grid = np.full((len(runs), n_calls), np.inf)
    for i, run in enumerate(runs):
        for point in run["points"]:  # [calls, best observed score, regret]
            grid[i, max(int(point[0]), 1) - 1:] = point[2]
    return grid


def point_times(run):
    """The simulated time of each point; a run without ``times`` ran on one worker (time = calls)."""
    return run["times"] if "times" in run else [point[0] for point in run["points"]]


def time_curves(runs, horizon):
    """Array (seeds, horizon) of the incumbent's regret at simulated time 1..horizon (inf before any)."""
    grid = np.full((len(runs), horizon), np.inf)
    for i, run in enumerate(runs):
        for t, point in zip(point_times(run), run["points"]):
            grid[i, max(int(np.ceil(t)), 1) - 1:] = point[2]
    return grid


def final_regrets(runs):
    return np.array([r["points"][-1][2] if r["points"] else np.inf for r in runs])


def first_reach(median_curve, target):
    hit = np.nonzero(median_curve <= target)[0]
    return int(hit[0]) + 1 if hit.size else None


def summarise(data, n_iterations=None, timed=False):
    """Rows of the table: one per problem and method with results.

    ``timed``: also the simulated time to random's target on the median
    time curve (``time_reach``) and its ratio to random's (``time_ratio``).
    """
    rows = []
    for problem in SETTINGS:
        methods = data.get(problem, {})
        if not methods:
            continue
        n = total_calls(problem, n_iterations)
        med_final = {m: float(np.median(final_regrets(r))) for m, r in methods.items()}
        target = med_final.get("random")
        reach, time_reach = {}, {}
        if target is not None:
            for m, runs in methods.items():
                reach[m] = first_reach(np.median(curves(runs, n), axis=0), target)
            if timed:
                horizon = max([1, *(int(np.ceil(t)) for runs in methods.values()
                                    for run in runs for t in point_times(run))])
                for m, runs in methods.items():
                    time_reach[m] = first_reach(np.median(time_curves(runs, horizon), axis=0), target)
        for m in METHODS:
            if m not in methods:
                continue
            fr = final_regrets(methods[m])
            row = {"problem": problem, "method": m, "seeds": len(fr),
                   "median": med_final[m], "q25": float(np.percentile(fr, 25)),
                   "q75": float(np.percentile(fr, 75)), "ratio": None, "reach": reach.get(m)}
            if m in (*LEARNERS, *BASELINES) and reach.get("random"):
                row["ratio"] = (reach[m] / reach["random"]) if reach[m] else "not reached"
            if timed:
                row["makespan"] = float(np.median([run.get("time", np.inf) for run in methods[m]]))
                row["time_reach"], row["time_ratio"] = time_reach.get(m), None
                if m != "random" and time_reach.get("random"):
                    row["time_ratio"] = (time_reach[m] / time_reach["random"]) if time_reach[m] \
                        else "not reached"
            for peer in PEERS:
                if m in ("random", *LEARNERS) and peer in med_final:
                    row[f"le_{peer}"] = med_final[m] <= med_final[peer]
            rows.append(row)
    return rows


def _fmt(x):
    if x == np.inf:
        return "inf"
    return f"{x:.3g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def _ratio(ratio, method, verdict):
    if ratio is None:
        return "(target)" if method == "random" else ""
    if isinstance(ratio, str):
        return "not reached"
    return f"{ratio:.2f} ({'met' if ratio <= 0.5 else 'missed'})" if verdict else f"{ratio:.2f}"


def table(rows, timed=False):
    """The table as Markdown lines; ``timed`` adds the simulated time to target and its ratio."""
    head = ("| problem | method | seeds | median final regret [IQR] | calls to target "
            "(median curve) | ratio vs random (met if <= 0.5) |")
    if timed:
        head += (" simulated time to target (median curve) | time ratio vs random |"
                 " median makespan |")
    head += " <= dehb | <= optuna | <= optuna_gp |"
    lines = [head, "|" + "---|" * (12 if timed else 9)]
    for r in rows:
        ratio_s = _ratio(r["ratio"], r["method"], r["method"] in LEARNERS)
        timing = ""
        if timed:
            timing = (f" {r['time_reach'] if r['time_reach'] else 'not reached'} "
                      f"| {_ratio(r['time_ratio'], r['method'], False)} | {_fmt(r['makespan'])} |")
        yn = {True: "yes", False: "no"}
        lines.append(
            f"| {r['problem']} | {r['method']} | {r['seeds']} | {_fmt(r['median'])} "
            f"[{_fmt(r['q25'])}, {_fmt(r['q75'])}] | {r['reach'] if r['reach'] else 'not reached'} "
            f"| {ratio_s} |{timing} {yn.get(r.get('le_dehb'), 'n/a')} | {yn.get(r.get('le_optuna'), 'n/a')} "
            f"| {yn.get(r.get('le_optuna_gp'), 'n/a')} |")
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
    # MLP and sgd_clf regrets stay within 0.1-0.75: linear reads better (mlp_reg's go down to 0.01)
    log = problem == "mlp_reg" or not (problem.startswith("mlp") or problem == "sgd_clf")
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


def settings_lines(problems=None):
    """The settings table; the scikit-learn tasks only when in ``problems`` (those with results)."""
    lines = ["| problem | max_iter | aggressiveness | n_iterations | partial_fit calls per run |",
             "|---|---|---|---|---|"]
    for p, s in SETTINGS.items():
        if p in SKLEARN_TASKS and p not in (problems or ()):
            continue
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


# Settings beyond the default that the page reports when their results exist:
# (n_iterations, workers, learning).
OTHER_SETTINGS = [
    (2, 1, "reproducible"), (3, 1, "reproducible"),
    (2, 8, "reproducible"), (2, 8, "immediate"),
    (3, 8, "reproducible"), (3, 8, "immediate"),
    (8, 8, "reproducible"), (8, 8, "immediate"),
]


def other_settings_lines():
    """A table per setting of OTHER_SETTINGS with results (synthetic problems only)."""
    out = []
    for n_iterations, workers, learning in OTHER_SETTINGS:
        data = load(n_iterations, workers, learning)
        data = {p: m for p, m in data.items() if p in SYNTHETIC}
        if not any(data.values()):
            continue
        out += [f"### n_iterations={n_iterations}, {workers} worker{'s' if workers > 1 else ''}, "
                f"learning={learning!r}", "",
                *table(summarise(data, n_iterations, workers > 1), workers > 1), ""]
    return out


def write_markdown(rows, plots):
    md = ["# Sampler benchmarks", "",
          "Generated by `python benchmarks/report.py` from `benchmarks/results/`; "
          "see `benchmarks/README.md` for what is measured and how to reproduce it.", "",
          "## Results", "", *table(rows), "",
          "Regret = optimum - noise-free full-fidelity score of the incumbent (the best observed "
          "score among evaluations at `max_iter`). Target = median final regret of `random`; "
          "calls to target are read off the median-over-seeds curve; ratio = calls(method) / "
          "calls(random), met when <= 0.5."
          + (" On the scikit-learn tasks (`sgd_clf`, `mlp_reg`) the optimum is unknown: regret = "
             "1 - validation accuracy or 1 - validation R^2 of the incumbent."
             if any(r["problem"] in SKLEARN_TASKS for r in rows) else ""), "",
          "### Targets", "", *targets_lines(rows), "",
          "## Settings", "", *settings_lines({r["problem"] for r in rows}), "",
          "Same settings for `random`, `de`, `bo`, `tpe` and `gp` (defaults of the samplers). Peers get "
          "the same number of partial_fit calls per run: Optuna (TPESampler(seed), or "
          "GPSampler(seed) for `optuna_gp` (PyTorch 2.13 on the CPU; synthetic problems only, 10 seeds), "
          "HyperbandPruner(min_resource=1, max_resource=max_iter, reduction_factor=3), one "
          "`report` per call) runs trials until the calls are spent; dehb (min/max fidelity 1 / "
          "max_iter, eta 3, defaults otherwise) pays `fidelity` calls for every job because it "
          "trains each job from scratch. On the MLP only Optuna was run as a peer, without Dask, "
          "under the same protocol but not the identical hold-out rows (see the analysis).", "",
          "## Other settings", "",
          "The synthetic problems with fewer iterations (2 and 3: 714 and 1,071 calls) and on 8 "
          "simulated workers (a trial costs one time unit per call; the physical limit of a run is "
          "its calls / 8), with both `learning` modes. Peers and `topk` do not depend on "
          "`learning`: their rows are the same in both modes.", "",
          *other_settings_lines(),
          "## Plots", ""]
    for p in plots:
        md += [f"![{p.stem}]({p.name})", ""]
    if ANALYSIS.exists():
        md += ["## Analysis", "", ANALYSIS.read_text().strip(), ""]
    (DOCS / "samplers.md").write_text("\n".join(md))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_setting_arguments(parser)
    args = parser.parse_args(argv)
    np.seterr(invalid="ignore")  # percentiles over inf (no full-budget result yet)
    default = args.n_iterations is None and args.workers == DEFAULT_WORKERS \
        and args.learning == DEFAULT_LEARNING
    data = load(args.n_iterations, args.workers, args.learning)
    # Optuna already searches mlp_space's ranges as continuous: its mlp runs serve both.
    if "mlp_cont" in data and "optuna" in data.get("mlp", {}):
        data["mlp_cont"]["optuna"] = data["mlp"]["optuna"]
    timed = args.workers > 1
    rows = summarise(data, args.n_iterations, timed)
    if not default:
        print(f"setting: n_iterations={args.n_iterations or 'default'}, workers={args.workers}, "
              f"learning={args.learning}")
    print("\n".join(table(rows, timed)))
    if not default:  # plots and the docs page show the default setting
        return
    plots = [plot(p, data[p]) for p in SETTINGS if p in data]
    write_markdown(rows, plots)
    print(f"\nwrote {DOCS / 'samplers.md'} and {len(plots)} plots")


if __name__ == "__main__":
    main()
