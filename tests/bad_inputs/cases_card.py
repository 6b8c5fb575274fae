"""Bad model card and Hub inputs: a card of what is not a run or written where a folder is, a push without a token,
offline, or to a malformed repository name, and hf:// addresses that are malformed, not in the offline cache, or
read without huggingface_hub installed."""

from __future__ import annotations

import sys

from bad_inputs.case import Case, Workspace
from vaekit.runs.run import load


def _hub_home(w: Workspace, offline: bool = False) -> None:
    """A private Hugging Face home with no saved token, and no token in the environment."""
    w.monkeypatch.setenv("HF_HOME", str(w.path("hf")))
    w.monkeypatch.setenv("HF_HUB_CACHE", str(w.path("hf") / "hub"))
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        w.monkeypatch.delenv(name, raising=False)
    if offline:
        w.monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _no_hub_library(w: Workspace) -> None:
    w.monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # as though it were not installed


CASES = [
    Case("card-of-a-folder-that-is-not-a-run", r"config\.json",
         ["card", "{root}/nothing"], setup=lambda w: w.path("nothing").mkdir()),
    Case("card-out-is-a-folder", r"folder|directory",
         ["card", "{run}", "--out", "{root}/cards"], setup=lambda w: w.path("cards").mkdir()),
    Case("push-without-a-token", r"needs a token: pass --token, set HF_TOKEN",
         ["push", "{run}", "me/digits-vae"], setup=_hub_home),
    Case("push-offline", r"HF_HUB_OFFLINE=1 is set: pushing to the Hub needs the network",
         ["push", "{run}", "me/digits-vae", "--token", "hf_x"], setup=lambda w: _hub_home(w, offline=True)),
    Case("push-repository-without-a-user", r"not a Hub repository name: write user/name",
         ["push", "{run}", "digits-vae", "--token", "hf_x"], setup=_hub_home),
    Case("push-to-a-revision", r"without '@revision'",
         ["push", "{run}", "me/digits-vae@v1", "--token", "hf_x"], setup=_hub_home),
    Case("push-without-huggingface-hub", r"pip install vaekit\[hub\]",
         ["push", "{run}", "me/digits-vae", "--token", "hf_x"], setup=_no_hub_library),
    Case("load-hub-address-not-in-the-offline-cache", r"HF_HUB_OFFLINE=1 is set and the local Hugging Face cache",
         api=lambda w: load("hf://me/not-cached"), setup=lambda w: _hub_home(w, offline=True)),
    Case("load-hub-address-with-an-empty-revision", r"empty revision after '@'",
         api=lambda w: load("hf://me/digits-vae@"), setup=_hub_home),
    Case("load-hub-address-of-a-path", r"not a Hub repository name",
         api=lambda w: load("hf://../etc/passwd"), setup=_hub_home),
    Case("load-hub-address-without-huggingface-hub", r"pip install vaekit\[hub\]",
         api=lambda w: load("hf://me/digits-vae"), setup=_no_hub_library),
]
