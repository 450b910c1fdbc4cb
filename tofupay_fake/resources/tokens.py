"""Card tokens: ``POST /v1/tokens``, ``GET /v1/tokens/{id}`` and ``fake.create_token``."""

from __future__ import annotations

from collections.abc import Mapping

from .. import messages
from ..errors import invalid_request, not_found
from ..params import Value
from ..store import Account, Token
from . import Env, cards

CREATE_PARAMS = frozenset({"card"})


def issue(api_key: str | None, livemode: bool, details: cards.CardDetails, env: Env) -> Token:
    """Store a new single-use token for ``details`` (``api_key`` None: any account)."""
    card = cards.make_card(api_key or "", None, details, env)
    token = Token(
        id=env.ids.new("tok"),
        created=env.clock.tick(),
        livemode=livemode,
        card=card,
        number=details.number,
        api_key=api_key,
    )
    env.store.tokens[token.id] = token
    return token


def create(account: Account, raw: Mapping[str, Value], env: Env) -> Token:
    """``POST /v1/tokens`` with a card dictionary (declining numbers fail only when used)."""
    if "card" not in raw:
        raise invalid_request(messages.MISSING_PARAM.format(name="card"), "card")
    details = cards.from_dict(raw["card"], "card", env)
    return issue(account.api_key, account.livemode, details, env)


def get(account: Account, ident: str, env: Env) -> Token:
    """A token this account may see, else 404 ``No such token``."""
    token = env.store.tokens.get(ident)
    if token is None or token.api_key not in (None, account.api_key):
        raise not_found(messages.NO_SUCH_TOKEN.format(id=ident), "id")
    return token
