"""``tofupay-fake serve`` refuses bad option values before it serves: exit 1, one clear line.

These command lines end before anything listens, so they run ``main`` in this
process (the console script's entry point) and read what it printed.
"""

from __future__ import annotations

import sys

import pytest

from tofupay_fake.transports import cli
from tofupay_fake.transports.cli import main
from tofupay_fake.transports.serving import INSTALL_HINT

KEY = "sk_test_qg15eqpUrbT6Gufhjq9ds0Jc"
WEBHOOK = "http://127.0.0.1:9/hook"
BAD_KEY = (
    "{what} {key!r} is not a Tofupay secret key: a key is 'sk_test_' or 'sk_live_' followed "
    "by letters and digits only (e.g. sk_test_4eC39HqLyjWDarjtT1zdp7dc)."
)


def serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``tofupay-fake serve --port 0 ARGS``: (exit status, stderr); nothing on stdout."""
    status = main(["serve", "--port", "0", *args])
    out, err = capsys.readouterr()
    assert out == ""
    return status, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fixtures-key", KEY], "--fixtures-key is only used with --fixtures."),
        (["--history", "-1"], "--history must be 0 (keep all) or more, got -1."),
        (["--api-key", "pk_test_abc"], BAD_KEY.format(what="--api-key", key="pk_test_abc")),
        (["--api-key", KEY, "--api-key", "sk_test_"],
         BAD_KEY.format(what="--api-key", key="sk_test_")),
        (["--fixtures", "world.json", "--fixtures-key", "whsec_abc"],
         BAD_KEY.format(what="--fixtures-key", key="whsec_abc")),
        (["--allow-origin", "localhost:3000"],
         "--allow-origin: allowed_origins takes origins such as http://localhost:3000 (or *), "
         "got 'localhost:3000'"),
        (["--clock", "yesterday"],
         "--clock: bad clock value 'yesterday': it is not a time. A clock is a Unix time (whole "
         "seconds, 0 to 253402300799), an ISO date (2026-01-15, midnight UTC), an ISO datetime "
         "(2026-01-15T10:00:00Z or with an offset such as +02:00), or 'wall'."),
        (["--webhook-url", WEBHOOK],
         "--webhook-url needs --webhook-secret (whsec_...) to sign deliveries."),
        (["--webhook-url", WEBHOOK, "--webhook-secret", "secret123"],
         "The webhook secret must be 'whsec_' followed by the key"),
        (["--webhook-url", WEBHOOK, "--webhook-secret", "whsec_"],
         "The webhook secret must be 'whsec_' followed by the key"),
        (["--webhook-url", "ftp://127.0.0.1/hook", "--webhook-secret", "whsec_test123"],
         "The webhook URL must be http:// or https:// with a host: 'ftp://127.0.0.1/hook'"),
        (["--webhook-secret", "whsec_test123"], "--webhook-secret is only used with --webhook-url."),
        (["--port", "70000"], "--port must be 0..65535, got 70000."),
        (["--host", "203.0.113.7"],
         "cannot listen on 203.0.113.7:0: 203.0.113.7 is not an address of this machine."),
    ],
    ids=["fixtures-key-alone", "negative-history", "publishable-api-key", "empty-api-key",
         "fixtures-key-not-a-key", "origin-without-scheme", "clock-not-a-time",
         "url-without-secret", "secret-without-whsec", "empty-whsec", "ftp-url",
         "secret-without-url", "port-out-of-range", "foreign-host"],
)  # fmt: skip
def test_a_bad_value_exits_1_naming_the_option(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert serve(capsys, *args) == (1, f"tofupay-fake: {message}\n")


GRACE_REFUSED = "--grace must be a number of seconds from 0 to 3600, got {!r}."


@pytest.mark.parametrize(
    ("args", "seconds"),
    [
        ([], 2.0),
        (["--grace", "0"], 0.0),
        (["--grace", "0.25"], 0.25),
        (["--grace", "5"], 5.0),
        (["--grace", "3600"], 3600.0),
        (["--grace", "-0.5"], None),
        (["--grace", "3600.5"], None),
        (["--grace", "soon"], None),
        (["--grace", ""], None),
        (["--grace", "nan"], None),
        (["--grace", "inf"], None),
    ],
    ids=["default", "zero", "fraction", "whole", "an-hour", "negative", "over-an-hour",
         "a-word", "empty", "nan", "infinite"],
)  # fmt: skip
def test_grace_is_seconds_from_0_to_an_hour(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    seconds: float | None,
) -> None:
    served: list[float] = []
    monkeypatch.setattr(cli, "serve", lambda parsed: served.append(parsed.grace) or 0)
    if seconds is None:
        assert serve(capsys, *args) == (1, f"tofupay-fake: {GRACE_REFUSED.format(args[1])}\n")
        assert served == []
    else:
        assert serve(capsys, *args) == (0, "")
        assert served == [seconds]


def test_grace_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--help"])
    assert exited.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert (
        "--grace SECONDS on SIGINT/SIGTERM, let requests in progress finish for this many "
        "seconds, then drop their connections; 0 drops them at once (default: 2)"
    ) in shown


def test_a_good_clock_is_accepted_and_then_uvicorn_is_needed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the [server] extra were missing
    for clock in ("2026-01-15", "2026-01-15T10:00:00Z", "1421056271", "wall"):
        assert serve(capsys, "--clock", clock) == (1, f"tofupay-fake: {INSTALL_HINT}\n")


def test_an_address_that_cannot_be_bound_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    # A link-local IPv6 address without its interface: the system refuses it (EINVAL, or
    # EAFNOSUPPORT where IPv6 is off); the message carries the system's reason.
    status, err = serve(capsys, "--host", "fe80::1")
    assert status == 1
    assert err.startswith("tofupay-fake: cannot listen on fe80::1:0: "), err
    reason = err.removeprefix("tofupay-fake: cannot listen on fe80::1:0: ")
    assert reason.endswith(".\n") and len(reason) > 3, err
    assert "port is in use" not in reason and "not an address" not in reason
    assert "Traceback" not in err
