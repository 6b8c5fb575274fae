"""`vaekit advise`: the settings to start from for a data set and a goal, each with its reason.

    from vaekit.advice import advise
    advice = advise(profile_of(data), goal="anomaly")
    advice.command            # "vaekit train --data digits --likelihood continuous_bernoulli ... --out runs/anomaly"
    advice.reasons            # [("--likelihood continuous_bernoulli", "grey levels in [0, 1]: ..."), ...]
"""

from vaekit.advice.goals import GOALS, Advice, advise
from vaekit.advice.profile import DataProfile, profile_of

__all__ = ["GOALS", "Advice", "DataProfile", "advise", "profile_of"]
