"""Verification codes: ITC-XXXX-XXXX-XXXX in Crockford base-32, random, the last symbol a mod-37 check.

Eleven random symbols (55 bits, from `secrets`) and Crockford's check symbol over them. The check catches
every single-symbol typo and every swap of two neighbouring symbols, so a mistyped code is reported as a
typo rather than as "not found". Input is forgiving: case, spaces and dashes are ignored, O reads as 0 and
I or L as 1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
PREFIX = "ITC"
DATA_SYMBOLS = 11
_VALUES = {ch: i for i, ch in enumerate(CHECK_ALPHABET)}
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CodeError(ValueError):
    """A code that cannot be a certificate code; `typo` when only its check symbol disagrees."""

    def __init__(self, message: str, typo: bool = False):
        super().__init__(message)
        self.typo = typo


def check_symbol(symbols: str) -> str:
    value = 0
    for ch in symbols:
        value = value * 32 + ALPHABET.index(ch)
    return CHECK_ALPHABET[value % 37]


def format_code(symbols: str) -> str:
    return f"{PREFIX}-{symbols[0:4]}-{symbols[4:8]}-{symbols[8:12]}"


def generate_code() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return format_code(data + check_symbol(data))


def normalise(text: str) -> str:
    """The canonical form of a typed code, or CodeError saying what is wrong with it."""
    cleaned = "".join(ch for ch in (text or "").upper() if not ch.isspace() and ch not in "-_.")
    if cleaned.startswith(PREFIX):
        cleaned = cleaned[len(PREFIX):]
    body, check = cleaned[:-1].translate(_CONFUSABLE), cleaned[-1:]
    check = check if check in ("U", "*", "~", "$", "=") else check.translate(_CONFUSABLE)
    if len(body) != DATA_SYMBOLS or not check:
        raise CodeError("A certificate code has 12 symbols after ITC, as in ITC-7K2M-Q9XD-4HT8.")
    if any(ch not in ALPHABET for ch in body) or check not in _VALUES:
        raise CodeError("The code contains symbols that certificate codes never use.")
    if check_symbol(body) != check:
        raise CodeError("This code has a typo: one of its symbols is wrong or two are swapped.", typo=True)
    return format_code(body + check)
