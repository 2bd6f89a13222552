"""统一社会信用代码 (unified social credit code) validation, GB 32100-2015.

18 characters from 0-9 and A-Z without I, O, Z, S, V; the last is a check character: with
the characters' values c_i (0-30) and weights w_i = 3^(i-1) mod 31, check = 31 - (sum c_i w_i
mod 31), where 31 maps to 0.
"""

from __future__ import annotations

from bot.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(text: str) -> str:
    """The code in canonical form (upper case, no spaces); InvalidInput saying what is wrong."""
    code = (text or "").strip().replace(" ", "").upper()
    if len(code) != LENGTH:
        raise InvalidInput(
            f"统一社会信用代码应为18位，您输入了{len(code)}位",
            f"a unified social credit code has 18 characters, got {len(code)}",
        )
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise InvalidInput(
            f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）",
            f"characters not allowed in a credit code: {''.join(bad)}",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            "统一社会信用代码校验位不符，请核对是否有输错的字符",
            f"credit code check character is {code[17]}, expected {expected}",
        )
    return code
