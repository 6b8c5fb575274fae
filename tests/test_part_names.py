"""Parts are named in one place: their registration. Code elsewhere asks a part what it declares instead of naming
it. This test finds every registered part name written as a string literal (docstrings aside) outside the module
that registers the part, and holds the list below to what is there on purpose; a new one fails, and so does an
entry that is no longer found (the list only shrinks)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import vaekit.parts as parts

SOURCE = Path(__file__).resolve().parents[1] / "src" / "vaekit"

DECLARED_DEFAULT = "a declared default or pairing: config defaults, a data kind's network and likelihood, the " \
                   "objectives a posterior trains with, the prior a discrete code goes with"
OTHER_MEANING = "the same word in another namespace (a class_latent value, a corruption, a column type, a score " \
                "kind, a key of config.json, a tuning criterion)"
ESTIMATOR_DEFAULT = "a scikit-learn estimator's documented parameters: VAEImputer trains the MIWAE bound (iwae, or " \
                    "elbo with one draw) with a Gaussian likelihood, VAEClassifier's M2 on M1 codes a Gaussian one"

ADVICE = "advice names the parts it recommends, as the named configs and the docs do; tests/test_advise.py checks " \
         "every goal's settings for every kind of data against the registries"

ALLOWED = {
    **{("vaekit.advice.goals", name): ADVICE for name in (
        "bernoulli", "continuous_bernoulli", "denoising", "discretized_logistic", "gaussian", "iwae", "mixed",
        "mixture", "rnn", "spectrogram", "vade")},
    ("vaekit.tasks.images", "spectrogram"): OTHER_MEANING,
    ("vaekit.tuning.criteria", "elbo"): OTHER_MEANING,
    ("vaekit.tuning.criteria", "denoising"): OTHER_MEANING,
    ("vaekit.tasks.baselines.imputation", "categorical"): OTHER_MEANING,
    ("vaekit.config.model", "diagonal_gaussian"): DECLARED_DEFAULT,
    ("vaekit.config.model", "standard_normal"): DECLARED_DEFAULT,
    ("vaekit.config.objective", "elbo"): DECLARED_DEFAULT,
    ("vaekit.data.kinds", "bernoulli"): DECLARED_DEFAULT,
    ("vaekit.data.kinds", "gaussian"): DECLARED_DEFAULT,
    ("vaekit.data.kinds", "continuous_bernoulli"): DECLARED_DEFAULT,
    ("vaekit.data.kinds", "mixed"): DECLARED_DEFAULT,
    ("vaekit.data.kinds", "mlp"): DECLARED_DEFAULT,
    ("vaekit.data.kinds", "conv"): DECLARED_DEFAULT,
    ("vaekit.data.series.kind", "autoregressive_gaussian"): DECLARED_DEFAULT,
    ("vaekit.data.series.kind", "rnn"): DECLARED_DEFAULT,
    ("vaekit.data.text.kind", "autoregressive"): DECLARED_DEFAULT,
    ("vaekit.data.text.kind", "rnn"): DECLARED_DEFAULT,
    ("vaekit.posteriors.gumbel_softmax", "denoising"): DECLARED_DEFAULT,
    ("vaekit.posteriors.gumbel_softmax", "elbo"): DECLARED_DEFAULT,
    ("vaekit.priors.discrete_code", "codes"): DECLARED_DEFAULT,
    ("vaekit.config.model", "m2"): OTHER_MEANING,
    ("vaekit.model.class_latent", "m2"): OTHER_MEANING,
    ("vaekit.model.build", "m2"): OTHER_MEANING,
    ("vaekit.estimators.classifier", "m2"): OTHER_MEANING,
    ("vaekit.data.audio.kind", "spectrogram"): OTHER_MEANING,
    ("vaekit.data.audio.spectrogram", "spectrogram"): OTHER_MEANING,
    ("vaekit.data.corruption", "gaussian"): OTHER_MEANING,
    ("vaekit.tasks.known_noise", "gaussian"): OTHER_MEANING,
    ("vaekit.data.table.reader", "categorical"): OTHER_MEANING,
    ("vaekit.data.table.reader", "mixture"): OTHER_MEANING,
    ("vaekit.likelihoods.mixed", "categorical"): OTHER_MEANING,
    ("vaekit.likelihoods.mixed", "mixture"): OTHER_MEANING,
    # a table's column types and their distributions (data/table/metadata.py): words of the metadata file
    **{(module, name): OTHER_MEANING for module in ("vaekit.data.table.encoding", "vaekit.data.table.metadata")
       for name in ("categorical", "gaussian", "mixture")},
    ("vaekit.data.table.kind", "mixed"): DECLARED_DEFAULT,
    # SDMetrics' sdtypes (numerical, categorical, boolean, datetime, id): words of the quality report's library
    **{(module, "categorical"): OTHER_MEANING for module in (
        "vaekit.plots.table_marginals", "vaekit.tasks.synthesis.efficacy", "vaekit.tasks.synthesis.quality",
        "vaekit.tasks.synthesis.table_checks")},
    ("vaekit.tasks.evaluation.importance", "elbo"): OTHER_MEANING,
    ("vaekit.tasks.scoring.elbo", "elbo"): OTHER_MEANING,
    ("vaekit.estimators.classifier", "gaussian"): ESTIMATOR_DEFAULT,
    ("vaekit.estimators.imputer", "elbo"): ESTIMATOR_DEFAULT,
    ("vaekit.estimators.imputer", "gaussian"): ESTIMATOR_DEFAULT,
    ("vaekit.estimators.imputer", "iwae"): ESTIMATOR_DEFAULT,
}


def _homes() -> dict[str, set[str]]:
    """Each registered part name and the modules that register a part of that name."""
    homes: dict[str, set[str]] = {}
    for registry in parts.REGISTRIES.values():
        for name in registry.names():
            homes.setdefault(name, set()).add(inspect.getmodule(registry.get(name)).__name__)
    return homes


def _named_outside_home(homes: dict[str, set[str]]) -> set[tuple[str, str]]:
    found = set()
    for path in sorted(SOURCE.rglob("*.py")):
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and node.value in homes and module not in homes[node.value]:
                found.add((module, node.value))
    return found


def test_no_part_is_named_outside_its_registration_but_on_purpose() -> None:
    found = _named_outside_home(_homes())
    assert not found - set(ALLOWED), f"part names written outside their modules: {sorted(found - set(ALLOWED))}; " \
                                     "ask the part what it declares instead"
    assert not set(ALLOWED) - found, f"no longer found, take them off ALLOWED: {sorted(set(ALLOWED) - found)}"

