"""Which credentials of a request are hidden in the text of its answer, for each way the
five APIs, their sign-ins and a presigned storage link carry them."""

from __future__ import annotations

import httpx

from incident_tui.remote.sent_secrets import hide_sent


def test_a_header_tokens_value_is_hidden_and_its_scheme_is_not() -> None:
    for header, value in [
        ("Authorization", "Bearer kh_4f9a2c7e5b1d"),  # Kitehouse, 4HSE, AOH IMS
        ("Authorization", 'Token token="kh_4f9a2c7e5b1d"'),  # Revily
        ("ApiKey", "kh_4f9a2c7e5b1d"),  # OneUptime
        ("X-Site-Key", "kh_4f9a2c7e5b1d"),  # Kitehouse's auth_header, any name
    ]:
        request = httpx.Request("GET", "https://api.example.org/x", headers={header: value})
        said = hide_sent("Bearer token kh_4f9a2c7e5b1d is not valid", request)
        assert said == "Bearer token *** is not valid", header


def test_a_sign_ins_secrets_are_hidden_and_the_account_is_not() -> None:
    form = {"grant_type": "password", "username": "rspp.demo", "client_id": "4hse",
            "password": "p@ss word/1", "client_secret": "cs-0c5d7b3a",
            "refresh_token": "eyJhbGciOi.eyJzdWIi.c2ln"}
    request = httpx.Request("POST", "https://sso.example.org/token", data=form)
    echoed = ("password p@ss word/1 (p%40ss%20word%2F1) of rspp.demo, client 4hse with "
              "cs-0c5d7b3a, refresh eyJhbGciOi.eyJzdWIi.c2ln")
    assert hide_sent(echoed, request) == (
        "password *** (***) of rspp.demo, client 4hse with ***, refresh ***"
    )


def test_a_presigned_links_signature_and_session_token_are_hidden() -> None:
    url = ("https://bucket.s3.example.org/obj?X-Amz-Credential=AKIA%2F20261122"
           "&X-Amz-Security-Token=FwoGZXIvYXdz&X-Amz-Expires=900&X-Amz-Signature=9f86d081")
    request = httpx.Request("PUT", url, content=b"bytes")
    body = ("<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>9f86d081"
            "</SignatureProvided><Token>FwoGZXIvYXdz</Token><Expires>900</Expires></Error>")
    assert hide_sent(body, request) == (
        "<Error><Code>SignatureDoesNotMatch</Code><SignatureProvided>***"
        "</SignatureProvided><Token>***</Token><Expires>900</Expires></Error>"
    )


def test_what_is_no_credential_stays() -> None:
    request = httpx.Request(
        "POST", "https://api.example.org/incidents?page=2", json={"title": "Water leak"},
        headers={"Accept": "application/json", "Idempotency-Key": "ab"},
    )
    text = "Water leak on page 2: application/json only"
    assert hide_sent(text, request) == text
