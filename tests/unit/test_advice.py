"""What the remotes screen and ``sync --once`` suggest for a failed remote, from the error
text the cache keeps (:mod:`incident_tui.sync.advice`)."""

from __future__ import annotations

import pytest

from incident_tui.sync.advice import CREDENTIALS_ADVICE, OFFLINE_ADVICE, UNTRUSTED_ADVICE, advice


@pytest.mark.parametrize(
    ("state", "error", "expected"),
    [
        ("failing", "HTTP 401: Unauthorized", CREDENTIALS_ADVICE),
        # Keycloak refuses a wrong password with 400 invalid_grant on some setups.
        ("failing", "AOH IMS sign-in refused (HTTP 400): Invalid user credentials",
         CREDENTIALS_ADVICE),
        ("failing", "HTTP 400: Invalid API Key", CREDENTIALS_ADVICE),
        ("failing", "HTTP 403 (not allowed): missing scope", "Access refused: check this "
         "remote's token and its permissions."),
        ("failing", "HTTP 400: title: must not be empty", ""),
        ("failing", "internal error: KeyError: 'id'", ""),
        ("offline", "cannot connect to http://127.0.0.1:9: [Errno 111] Connection refused",
         OFFLINE_ADVICE),
        ("offline", "cannot connect to https://10.0.0.5: [SSL: CERTIFICATE_VERIFY_FAILED] "
         "certificate verify failed: self-signed certificate", UNTRUSTED_ADVICE),
        ("offline", None, OFFLINE_ADVICE),
        ("ok", None, ""),
    ],
)  # fmt: skip
def test_advice_names_the_usual_causes_whatever_the_status_says(
    state: str, error: str | None, expected: str
) -> None:
    assert advice(state, error) == expected
