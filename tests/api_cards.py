"""The documented test cards and tokens as expectations, written from the API's
documentation (never from the code under test), shared by the unit and API tests."""

from __future__ import annotations

#: Test numbers that attach: number -> (brand, funding).
ATTACHING: dict[str, tuple[str, str]] = {
    "4242424242424242": ("Visa", "credit"),
    "4000056655665556": ("Visa", "debit"),
    "5555555555554444": ("MasterCard", "credit"),
    "5200828282828210": ("MasterCard", "debit"),
    "5105105105105100": ("MasterCard", "prepaid"),
    "378282246310005": ("American Express", "credit"),
    "6011111111111117": ("Discover", "credit"),
    "30569309025904": ("Diners Club", "credit"),
    "3530111333300000": ("JCB", "credit"),
    "4000000000000101": ("Visa", "credit"),
    "4000000000000010": ("Visa", "credit"),
    "4000000000000028": ("Visa", "credit"),
    "4000000000000036": ("Visa", "credit"),
}

#: Test numbers that decline when attached: number -> (code, decline_code, message, param).
DECLINES: dict[str, tuple[str, str, str, str | None]] = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined.", None),
    "4000000000009995": ("card_declined", "insufficient_funds", "Your card has insufficient funds.", None),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired.", "exp_month"),
    "4000000000000127": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", "cvc"),
    "4000000000000119": ("processing_error", "processing_error",
                         "An error occurred while processing your card. Try again in a little bit.", None),
}  # fmt: skip

#: Test tokens that attach a card: token -> number.
BRAND_TOKENS: dict[str, str] = {
    "tok_visa": "4242424242424242",
    "tok_visa_debit": "4000056655665556",
    "tok_mastercard": "5555555555554444",
    "tok_mastercard_debit": "5200828282828210",
    "tok_mastercard_prepaid": "5105105105105100",
    "tok_amex": "378282246310005",
    "tok_discover": "6011111111111117",
    "tok_diners": "30569309025904",
    "tok_jcb": "3530111333300000",
}

#: Test tokens that decline: token -> the declining number it stands for.
DECLINING_TOKENS: dict[str, str] = {
    "tok_chargeDeclined": "4000000000000002",
    "tok_chargeDeclinedInsufficientFunds": "4000000000009995",
    "tok_chargeDeclinedExpiredCard": "4000000000000069",
    "tok_chargeDeclinedIncorrectCvc": "4000000000000127",
    "tok_chargeDeclinedProcessingError": "4000000000000119",
}
