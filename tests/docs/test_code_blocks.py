"""Every code block of the documentation (docs/**/*.md and README.md) runs, so that no example can rot.

How blocks are read, page by page, in order, in a fresh temporary folder per page (with `configs/` linked in):

- ```python blocks run with exec in one namespace per page: a block sees what earlier blocks of its page defined.
- ```console, ```bash and ```sh blocks hold `vaekit ...` command lines (a `$ ` prompt, `\\` continuations, `&&`
  and `# comments` allowed); each runs in this process through click's test runner and must exit with status 0.
  Any other command in such a block is an error: mark the block (below) instead.
- Other fences (```text for output, ```yaml, ```toml, ```csv ...) are not run.

One mechanism changes what runs: an HTML comment on the line just before a block's fence (several may stand there):

- `<!-- test: skip REASON -->`: the block is not run; the test is reported as skipped with REASON.
- `<!-- test: requires PATH -->`: skipped, with its reason, when PATH (a Debian data set, say) is missing.
- `<!-- test: replace OLD => NEW -->`: run the block with the text OLD replaced by NEW.
- `<!-- test: write FILE -->`: the block (a YAML or TOML file, say) is written to FILE in the page's folder.

And one rule keeps the whole suite fast: the epochs of every run are capped at MAX_EPOCHS (`--epochs N` on a
`vaekit` line, a `vaekit train` from a config file, `epochs=N` and `"epochs": N` in Python). Runs are seeded, so
the same `vaekit train` command line (on the same input files) trains the same run; it is trained once per test
session and copied to later pages. Torch runs the examples on one thread (the fixture `one_thread` says why).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# a 2-epoch run warns that its posterior has collapsed; that is the epochs cap talking, not the example
pytestmark = pytest.mark.filterwarnings("ignore:posterior collapse")

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md")) + ["README.md"]
RUN = {"python"}
SHELL = {"console", "bash", "sh", "shell"}
MAX_EPOCHS = 2

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\n]*)$")
_DIRECTIVE = re.compile(r"^<!--\s*test:\s*(?P<verb>skip|requires|replace|write)\b\s*(?P<rest>.*?)\s*-->\s*$")


@dataclass
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    skip: str | None = None
    requires: list[str] = field(default_factory=list)
    replacements: list[tuple[str, str]] = field(default_factory=list)
    write: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line} (```{self.language} block)"


def read_blocks(page: str) -> list[Block]:
    """The fenced blocks of a page, with the `<!-- test: ... -->` directives on the lines just before each."""
    lines = (ROOT / page).read_text().splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        language = opening["info"].strip().split(" ")[0].split("{")[0].lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
            j += 1
        block = Block(page, i + 1, language, "\n".join(body) + "\n")
        k = i - 1
        while k >= 0 and (found := _DIRECTIVE.match(lines[k].strip())):
            verb, rest = found["verb"], found["rest"]
            if verb == "skip":
                block.skip = rest.strip().removeprefix("(").removesuffix(")") or "marked skip"
            elif verb == "requires":
                block.requires.append(rest)
            elif verb == "replace":
                old, sep, new = rest.partition(" => ")
                assert sep, f"{page}:{k + 1}: write <!-- test: replace OLD => NEW -->"
                block.replacements.append((old, new))
            else:
                block.write = rest
            k -= 1
        blocks.append(block)
        i = j + 1
    return blocks


def cap_epochs(text: str) -> str:
    capped = lambda m: f"{m.group(1)}{min(int(m.group(2)), MAX_EPOCHS)}"  # noqa: E731
    text = re.sub(r"(--epochs[ =])(\d+)", capped, text)
    text = re.sub(r"(\bepochs\s*=\s*)(\d+)", capped, text)
    return re.sub(r"(\"epochs\"\s*:\s*)(\d+)", capped, text)


def command_lines(code: str, where: str) -> list[list[str]]:
    """The commands of a shell block, each as an argument list without the leading `vaekit`."""
    joined = re.sub(r"\\\n\s*", " ", code)
    commands = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        for part in line.split(" && "):
            words = shlex.split(part, comments=True)
            if not words:
                continue
            if words[0] != "vaekit":
                raise AssertionError(f"{where}: `{part.strip()}` is not a vaekit command; the docs tests run only "
                                     "vaekit lines: mark the block <!-- test: skip REASON --> (or use ```text)")
            commands.append(words[1:])
    return commands


# --- running -----------------------------------------------------------------------------------------------------

_TRAINED: dict[str, Path] = {}  # a `vaekit train` command line (and its input files) -> the run it made


def _train_key(args: list[str], cwd: Path) -> tuple[str, str | None]:
    """The memo key of a train command and its --out, or ("", None) when it cannot be shared (a resume, an input
    folder)."""
    if "--resume" in args or "--out" not in args:
        return "", None
    digest = hashlib.sha256(" ".join(args).encode())
    for arg in args:
        path = cwd / arg
        if arg and not arg.startswith("-") and path.exists():
            if path.is_dir():
                return "", None
            digest.update(path.read_bytes())
    return digest.hexdigest(), args[args.index("--out") + 1]


def run_vaekit(args: list[str], cwd: Path, cache: Path, where: str) -> None:
    from click.testing import CliRunner

    from vaekit.cli import main

    if args[:1] == ["train"] and "--resume" not in args and "--epochs" not in args:
        args = [*args, "--epochs", str(MAX_EPOCHS)]  # the epochs of a config file are capped too
    key, out = _train_key(args, cwd) if args[:1] == ["train"] else ("", None)
    if key and key in _TRAINED and not (cwd / out).exists():
        shutil.copytree(_TRAINED[key], cwd / out)
        return
    result = CliRunner().invoke(main, args, prog_name="vaekit", catch_exceptions=True)
    if result.exit_code != 0:
        detail = "".join(traceback.format_exception(result.exc_info[1])) if result.exc_info and not isinstance(
            result.exc_info[1], SystemExit) else ""
        raise AssertionError(f"{where}: `vaekit {shlex.join(args)}` exited with {result.exit_code}:\n"
                             f"{result.output[-3000:]}{detail[-3000:]}")
    if key:
        _TRAINED[key] = cache / key
        shutil.copytree(cwd / out, _TRAINED[key], ignore=shutil.ignore_patterns("*.lock"))


@dataclass
class PageState:
    cwd: Path
    namespace: dict
    done: int = 0
    failed: str | None = None


_STATES: dict[str, PageState] = {}


def run_block(block: Block, state: PageState, cache: Path) -> None:
    code = cap_epochs(block.code)
    for old, new in block.replacements:
        assert old in code, f"{block.where}: `{old}` (a test: replace) is not in the block"
        code = code.replace(old, new)
    if block.write:
        (state.cwd / block.write).parent.mkdir(parents=True, exist_ok=True)
        (state.cwd / block.write).write_text(code)
        return
    previous = Path.cwd()
    os.chdir(state.cwd)
    try:
        if block.language in RUN:
            exec(compile(code, block.where, "exec"), state.namespace)  # noqa: S102
        elif block.language in SHELL:
            for args in command_lines(code, block.where):
                run_vaekit(args, state.cwd, cache, block.where)
    finally:
        os.chdir(previous)


BLOCKS = [(page, index) for page in PAGES for index, block in enumerate(read_blocks(page))
          if block.language in RUN | SHELL or block.write]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The examples' models are small: on two idle cores one torch thread runs this suite nearly as fast as two
    (55 s against 51 s), but two threads that wait for a core held by another process (a second test run, say)
    spin at every operation, several times slower (a 2-epoch digits run: 3 s against 11 s). Restored afterwards,
    for the tests that share this process."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def train_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs-trained-runs")


@pytest.mark.parametrize(("page", "index"), BLOCKS, ids=[f"{p}#{i}" for p, i in BLOCKS])
def test_code_block(page: str, index: int, tmp_path_factory: pytest.TempPathFactory, train_cache: Path) -> None:
    blocks = read_blocks(page)
    if page not in _STATES:
        cwd = tmp_path_factory.mktemp("docs-page")
        (cwd / "configs").symlink_to(ROOT / "configs")
        _STATES[page] = PageState(cwd, {"__name__": "__docs__"})
    state = _STATES[page]
    for earlier in blocks[state.done:index + 1]:  # blocks run in order, whichever one pytest asked for
        state.done += 1
        if state.failed:
            pytest.skip(f"an earlier block of the page failed: {state.failed}")
        missing = [path for path in earlier.requires if not Path(path).exists()]
        skipped = earlier.skip or (missing and f"needs {', '.join(missing)}, which this machine lacks")
        if skipped:
            if earlier is blocks[index]:
                pytest.skip(f"{earlier.where}: {skipped}")
            continue
        if earlier.language not in RUN | SHELL and not earlier.write:
            continue
        try:
            run_block(earlier, state, train_cache)
        except BaseException:
            state.failed = earlier.where
            raise


def test_every_block_has_a_language() -> None:
    """An unlabelled fence is neither run nor clearly output: say which it is (```text for output)."""
    unlabelled = [block.where for page in PAGES for block in read_blocks(page) if not block.language]
    assert not unlabelled, f"code blocks without a language: {unlabelled}"
