"""Verification codes: format, check symbol, forgiving normalisation, typo detection, no collisions."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.certificates.codes import ALPHABET, CHECK_ALPHABET, CodeError, check_symbol, generate_code, normalise

CODE = re.compile(r"^ITC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}[0-9A-HJKMNP-TV-Z*~$=U]$")
data_symbols = st.text(alphabet=ALPHABET, min_size=11, max_size=11)


def _code(data: str) -> str:
    full = data + check_symbol(data)
    return f"ITC-{full[:4]}-{full[4:8]}-{full[8:]}"


def test_generated_codes_have_the_format_and_a_valid_check():
    for _ in range(200):
        code = generate_code()
        assert CODE.match(code), code
        assert normalise(code) == code


def test_no_two_of_many_codes_collide():
    codes = {generate_code() for _ in range(20_000)}
    assert len(codes) == 20_000


@pytest.mark.parametrize("typed", ["itc-{a}-{b}-{c}", "ITC {a} {b} {c}", " {a}{b}{c} ", "ITC{a}-{b}{c}"])
def test_case_spaces_and_dashes_are_forgiven(typed):
    code = _code("7K2MQ9XD4HT")
    a, b, c = code[4:8], code[9:13], code[14:]
    assert normalise(typed.format(a=a.lower() if "itc" in typed else a, b=b, c=c)) == code


def test_o_i_and_l_read_as_digits():
    code = _code("10000000001")
    assert normalise(code.replace("0", "O").replace("1", "I")) == code
    assert normalise(code.replace("1", "l")) == code


@settings(max_examples=300)
@given(data_symbols, st.integers(0, 11), st.sampled_from(CHECK_ALPHABET))
def test_every_single_symbol_typo_is_detected(data, position, replacement):
    full = data + check_symbol(data)
    if full[position] == replacement or (position < 11 and replacement not in ALPHABET):
        return
    typo = full[:position] + replacement + full[position + 1:]
    with pytest.raises(CodeError) as caught:
        normalise(typo)
    assert caught.value.typo


@given(data_symbols, st.integers(0, 9))
def test_swapping_neighbours_is_detected(data, position):
    if data[position] == data[position + 1]:
        return
    swapped = data[:position] + data[position + 1] + data[position] + data[position + 2:]
    with pytest.raises(CodeError):
        normalise(swapped + check_symbol(data))


@pytest.mark.parametrize("text", ["", "ITC", "ITC-1234", "hello world", "ITC-1234-5678-9ABC-DEFG",
                                  "ITC-!!!!-####-@@@@"])
def test_malformed_input_is_not_a_typo(text):
    with pytest.raises(CodeError) as caught:
        normalise(text)
    assert not caught.value.typo
