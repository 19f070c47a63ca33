"""Countries as ISO 3166-1 alpha-2 codes, named in the interface language from Babel's locale data."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask_babel import get_locale


def _is_country(code: str) -> bool:
    # Babel's territories also hold regions ("150", "419") and pseudo-codes ("ZZ", "EU"): keep two letters.
    return len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}


@cache
def _names(lang: str) -> dict[str, str]:
    territories = Locale.parse(lang).territories
    return {code: name for code, name in territories.items() if _is_country(code)}


def _lang() -> str:
    locale = get_locale()
    return str(locale.language) if locale else "en"


def country_name(code: str | None, lang: str | None = None) -> str:
    """The country's name in the interface language; "" for no code, the code itself when unknown."""
    if not code:
        return ""
    return _names(lang or _lang()).get(code.upper(), code)


def country_choices(lang: str | None = None) -> list[tuple[str, str]]:
    """(code, localized name) for every country, sorted by name."""
    return sorted(_names(lang or _lang()).items(), key=lambda item: item[1].casefold())


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for lang in ("az", "ru", "en"):  # English last: its names win on a clash
        for code, name in _names(lang).items():
            table[name.casefold()] = code
    for code in _names("en"):
        table[code.casefold()] = code
    return table


def country_code(text: str | None) -> str:
    """The code of a country given as a code or a name in English, Azerbaijani or Russian; "" when unknown."""
    return _lookup().get((text or "").strip().casefold(), "")


def english_name(code: str) -> str:
    return _names("en").get(code, "")
