"""A small table of every column type the synthesizer knows, with nulls, for tests (no data set needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def mixed_frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """customer_id (identifier), age (integer), income (skewed, twice as high in Oslo, 10% nulls, in cents), city
    (categorical), member (boolean), joined (dates as text), country (constant)."""
    rng = np.random.default_rng(seed)
    city = rng.choice(["Oslo", "Lima", "Pune"], size=n, p=[0.5, 0.3, 0.2])
    age = rng.integers(18, 80, size=n)
    income = np.round(np.exp(rng.normal(10, 0.3, size=n)) * np.where(city == "Oslo", 2.0, 1.0), 2)
    income[rng.random(n) < 0.1] = np.nan
    days = rng.integers(0, 2000, size=n)
    joined = (pd.Timestamp("2018-01-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    return pd.DataFrame({"customer_id": np.arange(1000, 1000 + n), "age": age, "income": income, "city": city,
                         "member": rng.random(n) < 0.4, "joined": joined, "country": "NO"})
