"""The commands worth running after `vaekit train`, asked of the trained model's parts, not named from the config.

    next_commands(run)   # ["vaekit evaluate runs/m2", "vaekit predict runs/m2", "vaekit report runs/m2"]
"""

from __future__ import annotations

from typing import Any

from vaekit.core.errors import VaekitError
from vaekit.data.corruption import HIDING


def next_commands(run: Any) -> list[str]:
    """`vaekit ...` lines for the Run `run`: evaluate and report always; what its parts can do besides."""
    from vaekit.data.kinds import data_kind
    from vaekit.tasks.code_prior_fit import code_prior_of

    path, model, config = run.path, run.model, run.config
    if data_kind(model.data_kind).synthesized:  # a table read with its metadata: synthetic rows
        return [f"vaekit sample {path} -n 1000 --out synthetic.csv   # --given col=value, --constraints rules.json",
                f"vaekit evaluate {path} --synthetic   # quality beside independent columns",
                f"vaekit report {path}   # one page: curves, pictures, numbers"]
    found = [f"vaekit evaluate {path}"]
    try:
        needs_prior = not bool(code_prior_of(model).fitted)
    except VaekitError:  # continuous codes: the prior is trained with the model
        needs_prior = False
    if needs_prior:
        found.append(f"vaekit fit-prior {path}   # before sampling: the prior over the codes")
    elif model.is_image:
        found.append(f"vaekit sample {path} -n 64 --out samples.png")
    if model.class_latent is not None:
        found.append(f"vaekit predict {path}")
    if model.prior_module.cluster_variable:
        found.append(f"vaekit cluster {path} --out clusters.csv")
    if config.objective.corruption == HIDING and model.is_image:  # trained to fill in holes: inpainting
        found.append(f"vaekit inpaint {path} --mask lower-half -n 16 --out inpainted.png")
    elif config.data.missing == "model":
        found.append(f"vaekit impute {path} --check 0.2 --out filled.{'npy' if model.is_image else 'csv'}")
    found.append(f"vaekit report {path}   # one page: curves, pictures, numbers")
    return found
