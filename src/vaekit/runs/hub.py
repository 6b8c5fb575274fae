"""Runs on the Hugging Face Hub: `hf://user/name[@revision]` read into the local Hugging Face cache and opened as a
run directory (every fingerprint check still applies), and a run directory uploaded as a model repository.

    path = hub_path("hf://me/digits-vae")          # the snapshot's folder in the HF cache (downloaded when needed)
    model = vaekit.load("hf://me/digits-vae@main")   # Run.open resolves hf:// through hub_path
    push_run("runs/digits", "me/digits-vae", token="hf_...")   # needs a token and the network

huggingface_hub is optional (pip install vaekit[hub]) and imported only here, when a hub address is used. Its
environment is honoured as it is when each call is made: HF_HUB_OFFLINE=1 reads only the local cache, HF_HUB_CACHE
or HF_HOME say where that cache is.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from vaekit.core.errors import VaekitError

PREFIX = "hf://"
# files a run directory holds that a shared model needs not: locks, temporaries, the resumable training state
NEVER_PUSHED = ["*.lock", ".*", "*.tmp*"]
CHECKPOINTS = ["checkpoint.safetensors", "checkpoint-*.safetensors"]
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")


def is_hub_address(value: str | Path) -> bool:
    """True for a string that names a Hub repository (hf://user/name), not a local directory."""
    return isinstance(value, str) and value.startswith(PREFIX)


def parse_repo(value: str) -> tuple[str, str | None]:
    """"user/name" or "hf://user/name@revision" -> ("user/name", "revision" or None); a malformed name is refused."""
    text = value[len(PREFIX):] if value.startswith(PREFIX) else value
    repo, _, revision = text.partition("@")
    if not _REPO.fullmatch(repo) or ".." in repo:
        raise VaekitError(f"{value!r} is not a Hub repository name: write user/name (letters, digits, '-', '_', '.'), "
                          "for example hf://me/digits-vae or hf://me/digits-vae@main")
    if "@" in text and not revision.strip():
        raise VaekitError(f"{value!r} has an empty revision after '@': name a branch, tag or commit, or drop the '@'")
    return repo, revision or None


def _hub() -> Any:
    try:
        import huggingface_hub
    except ImportError:
        raise VaekitError("the Hugging Face Hub needs huggingface_hub: pip install vaekit[hub]") from None
    return huggingface_hub


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _cache_dir() -> str | None:
    # read at each call (huggingface_hub reads its constants once, when it is first imported)
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    if os.environ.get("HF_HOME"):
        return str(Path(os.environ["HF_HOME"]) / "hub")
    return None


def hub_path(address: str) -> Path:
    """The local folder of the Hub repository `address` (hf://user/name[@revision]): the snapshot in the Hugging
    Face cache, downloaded first unless it is there and HF_HUB_OFFLINE=1 says to use only the cache."""
    repo, revision = parse_repo(address)
    hub = _hub()
    from huggingface_hub import errors

    try:
        folder = hub.snapshot_download(repo, revision=revision, cache_dir=_cache_dir(), local_files_only=_offline(),
                                       library_name="vaekit")
    except errors.LocalEntryNotFoundError:
        where = "HF_HUB_OFFLINE=1 is set and " if _offline() else "the Hub could not be reached and "
        raise VaekitError(f"{address}: {where}the local Hugging Face cache ({_cache_dir() or 'the default'}) has no "
                          "snapshot of it; download it once online, or check the name and revision") from None
    except errors.RepositoryNotFoundError:
        raise VaekitError(f"{address}: no such model repository on the Hub (or it is private: log in with "
                          "`hf auth login` or set HF_TOKEN)") from None
    except errors.RevisionNotFoundError:
        raise VaekitError(f"{address}: the repository has no revision {revision!r}; name a branch, tag or "
                          "commit it has") from None
    except (errors.HfHubHTTPError, OSError) as error:
        raise VaekitError(f"{address}: the download failed ({' '.join(str(error).split())[:200]}); try again, "
                          "or set HF_HUB_OFFLINE=1 to use the local cache") from None
    return Path(str(folder))


def ready_to_push(repo: str, token: str | None = None) -> tuple[str, str]:
    """(the repository's name, the token to push with), or a VaekitError saying what is missing: a well-formed
    name without a revision, huggingface_hub, the network allowed (not HF_HUB_OFFLINE=1) and a token (`token`,
    HF_TOKEN or a saved login). Checked before anything is written."""
    name, revision = parse_repo(repo)
    if revision is not None:
        raise VaekitError(f"{repo!r}: push to a repository name without '@revision' (uploads go to its main branch)")
    hub = _hub()
    if _offline():
        raise VaekitError("HF_HUB_OFFLINE=1 is set: pushing to the Hub needs the network; unset it to push")
    token = token or hub.get_token()
    if not token:
        raise VaekitError("pushing to the Hub needs a token: pass --token, set HF_TOKEN, or run `hf auth login`")
    return name, token


def push_run(run_dir: str | Path, repo: str, token: str | None = None, private: bool = False,
             checkpoints: bool = False) -> str:
    """Upload the files of the run in `run_dir` to the Hub model repository `repo` (user/name), creating it if
    needed; returns the commit's URL. Locks and temporaries are never sent, the training checkpoint only when
    `checkpoints` is true. Needs a token (`token`, HF_TOKEN or a saved login) and the network."""
    name, token = ready_to_push(repo, token)
    hub = _hub()
    ignore = NEVER_PUSHED + ([] if checkpoints else CHECKPOINTS)
    try:
        hub.create_repo(name, token=token, private=private, exist_ok=True)
        info = hub.upload_folder(repo_id=name, folder_path=str(run_dir), token=token, ignore_patterns=ignore,
                                 commit_message=f"vaekit push {Path(run_dir).name}")
    except Exception as error:  # noqa: BLE001 - the network's errors come from several libraries (httpx, hub)
        raise VaekitError(f"pushing to {name} failed: {' '.join(str(error).split())[:200]}; check the token's write "
                          "access and the network") from None
    return str(getattr(info, "commit_url", info))
