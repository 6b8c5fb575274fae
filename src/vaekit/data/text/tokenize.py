"""The tokenizer of text data: words and punctuation marks, optionally lowercased.

    tokenize("Don't panic -- it's 42!")          # ["don't", 'panic', '-', '-', "it's", '42', '!']
    tokenize("Don't panic", lowercase=False)     # ["Don't", 'panic']
    detokenize(["don't", "panic", "!"])          # "don't panic !"

A token is a run of letters, digits and underscores (with apostrophes inside a word kept: "don't", "o'clock"), or
any other single character that is not white space (each punctuation mark is its own token). White space, line
breaks included, only separates tokens, so a document spread over several lines reads as one sequence. Outputs
join tokens with single spaces: the tokenizer keeps no record of the original spacing.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """The tokens of `text`, in order (lowercased first when `lowercase`)."""
    return TOKEN.findall(text.lower() if lowercase else text)


def detokenize(tokens: list[str]) -> str:
    """Tokens as one line of text, separated by single spaces."""
    return " ".join(tokens)
