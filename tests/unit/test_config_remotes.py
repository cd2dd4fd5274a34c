"""Remote config keys: Kitehouse's ``page_size`` within the server's cap, and secrets named by
an unset ``*_env`` variable reported by name when a connector asks, not at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.config_remotes import AohImsRemote, FourhseRemote, KitehouseRemote
from incident_tui.remote.errors import AuthFailed, RemoteError

UNSET = "INCIDENT_TUI_TEST_UNSET_SECRET"
SET = "CONFIG_TEST_SET_SECRET"  # with our prefix, a remote not naming it would find it stray
KITEHOUSE = (
    '[[remotes]]\nname = "school"\nkind = "kitehouse"\nbase_url = "https://kh.example.test"\n'
    'site_id = "site-1"\n'
)
FOURHSE = '[[remotes]]\nname = "hse"\nkind = "fourhse"\n'
ONEUPTIME = '[[remotes]]\nname = "status"\nkind = "oneuptime"\nproject_id = "p"\n'
KEYCLOAK = {
    "kind": "aoh_ims", "name": "ops", "base_url": "https://ims.example.test",
    "token_url": "https://sso.example.test/realms/aoh/protocol/openid-connect/token",
    "client_id": "ims",
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSET, raising=False)
    monkeypatch.setenv(SET, "from-env")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_kitehouse_page_size_above_the_server_cap_is_one_clear_line(tmp_path: Path) -> None:
    path = write(tmp_path, KITEHOUSE + "page_size = 150\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert "\n" not in line
    assert "page_size: must be at most 100: Kitehouse sends at most 100 rows per page" in line


@pytest.mark.parametrize("size", [1, 50, 100])
def test_kitehouse_page_size_up_to_the_cap_is_kept(tmp_path: Path, size: int) -> None:
    remote = load_settings(write(tmp_path, KITEHOUSE + f"page_size = {size}\n")).remote("school")
    assert isinstance(remote, KitehouseRemote) and remote.page_size == size


def test_kitehouse_page_size_keeps_its_minimum(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="page_size: Input should be greater than or equal to 1"):
        load_settings(write(tmp_path, KITEHOUSE + "page_size = 0\n"))


def test_an_unset_token_env_loads_and_fails_only_when_the_token_is_asked_for(
    tmp_path: Path,
) -> None:
    # Commands that never talk to the remote (list, show) load this config fine.
    settings = load_settings(write(tmp_path, KITEHOUSE + f'token_env = "{UNSET}"\n'))
    remote = settings.remote("school")
    with pytest.raises(AuthFailed) as caught:
        remote.secret()
    assert isinstance(caught.value, RemoteError)
    assert str(caught.value) == (
        f"token_env {UNSET} is not set: export it, or fix token_env of remote 'school'"
    )


def test_a_set_token_env_wins_and_an_unset_one_falls_back_to_token(tmp_path: Path) -> None:
    with_env = load_settings(write(tmp_path, KITEHOUSE + f'token_env = "{SET}"\n'))
    assert with_env.remote("school").secret() == "from-env"
    fallback = load_settings(
        write(tmp_path, KITEHOUSE + f'token_env = "{UNSET}"\ntoken = "in-file"\n')
    )
    assert fallback.remote("school").secret() == "in-file"
    assert load_settings(write(tmp_path, KITEHOUSE)).remote("school").secret() is None


def test_an_empty_token_env_is_called_empty_and_a_spaced_token_is_trimmed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SET, "")
    remote = load_settings(write(tmp_path, KITEHOUSE + f'token_env = "{SET}"\n')).remote("school")
    with pytest.raises(AuthFailed, match=f"^token_env {SET} is empty: export it, or fix "):
        remote.secret()
    spaced = load_settings(write(tmp_path, KITEHOUSE + 'token = "  in-file\\n"\n'))
    assert spaced.remote("school").secret() == "in-file"


@pytest.mark.parametrize("blank", ["", "  ", "\\n"])
def test_a_blank_token_is_refused_when_the_config_loads(tmp_path: Path, blank: str) -> None:
    # Read as no token, it sent every request unsigned, to earn the server's 401.
    path = write(tmp_path, KITEHOUSE + f'token = "{blank}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (school).token: is empty or blank: give the token, or leave "
        "the key out"
    )


@pytest.mark.parametrize("blank", ["", "  ", "\\n"])
@pytest.mark.parametrize(
    ("table", "key", "what"),
    [
        (FOURHSE + 'tenant_id = "t"\nusername = "rspp"\npassword = "pw"\n', "client_secret",
         "client secret"),
        (FOURHSE + 'tenant_id = "t"\nusername = "rspp"\n', "password", "password"),
        ('[[remotes]]\nname = "hse"\nkind = "aoh_ims"\nbase_url = "https://ims.test"\n'
         'token_url = "http://sso/t"\nclient_id = "c"\n', "client_secret", "client secret"),
    ],
)
def test_a_blank_client_secret_or_password_is_refused_when_the_config_loads(
    tmp_path: Path, blank: str, table: str, key: str, what: str
) -> None:
    # Read as none, a blank secret signed in as a public client (or not at all) and a blank
    # password failed every sync; a public client is said by leaving the key out.
    path = write(tmp_path, table + f'{key} = "{blank}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (hse).{key}: is empty or blank: give the {what}, or leave the "
        "key out"
    )


@pytest.mark.parametrize("fallback", ["", 'token = "in-file"\n'])
def test_a_token_variable_of_white_space_is_named_not_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fallback: str
) -> None:
    # A secret file holding only its last line break: the token in the file, or none, was
    # sent in its place without a word.
    monkeypatch.setenv(SET, " \n")
    path = write(tmp_path, KITEHOUSE + f'token_env = "{SET}"\n' + fallback)
    remote = load_settings(path).remote("school")
    with pytest.raises(AuthFailed) as caught:
        remote.secret()
    assert str(caught.value) == (
        f"token_env {SET} holds only white space: export the secret in it, or fix "
        "token_env of remote 'school'"
    )


def test_a_password_keeps_its_spaces_but_not_the_line_break_after_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SET, " two words \r\n")
    remote = AohImsRemote.model_validate(KEYCLOAK | {"username": "ann", "password_env": SET})
    assert remote.password_value() == " two words "


def test_unset_password_and_client_secret_variables_are_named() -> None:
    remote = AohImsRemote.model_validate(
        KEYCLOAK | {"username": "ann", "password_env": UNSET, "client_secret_env": UNSET}
    )
    with pytest.raises(AuthFailed, match=f"^password_env {UNSET} is not set: export it, or fix "
                                         "password_env of remote 'ops'$"):
        remote.password_value()
    with pytest.raises(AuthFailed, match=f"^client_secret_env {UNSET} is not set"):
        remote.client_secret_value()
    given = AohImsRemote.model_validate(
        KEYCLOAK | {"username": "ann", "password_env": SET, "client_secret": "s"}
    )
    assert given.password_value() == "from-env" and given.client_secret_value() == "s"
    # A public client has no secret at all: nothing to report.
    public = FourhseRemote.model_validate(
        {"kind": "fourhse", "name": "plant", "tenant_id": "t", "username": "u",
         "password": "p"}
    )
    assert public.client_secret_value() is None


@pytest.mark.parametrize("password", ['password = "pw"\n', 'password_env = "HSE_PW"\n'])
def test_a_fourhse_password_without_a_username_is_refused_when_the_config_loads(
    tmp_path: Path, password: str
) -> None:
    # As for AOH IMS: loaded, every sync said no username or password was configured.
    path = write(tmp_path, FOURHSE + 'tenant_id = "t"\n' + password)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (hse): password needs username (password grant)"
    )


@pytest.mark.parametrize("timeout", ["1e-300", "0.05", "0"])
def test_a_timeout_no_request_could_meet_is_refused(tmp_path: Path, timeout: str) -> None:
    # 1e-300 loaded, and every request then failed as not answered in time.
    path = write(tmp_path, FOURHSE + f'tenant_id = "t"\ntimeout = {timeout}\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert "remotes[0] (hse).timeout" in str(caught.value)
    assert "0.1" in str(caught.value)


@pytest.mark.parametrize("token", ["", 'token = "static"\n'])
def test_a_fourhse_username_without_a_password_is_refused_when_the_config_loads(
    tmp_path: Path, token: str
) -> None:
    # As for AOH IMS: the password grant cannot sign in, and a static token beside the
    # username is not used, so every sync would fail.
    path = write(tmp_path, FOURHSE + 'tenant_id = "t"\nusername = "rspp"\n' + token)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (hse): username needs password or password_env (password grant)"
    )
    # Every problem of the table at once.
    path = write(tmp_path, FOURHSE + 'username = "rspp"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (hse): needs tenant_id (project) and/or subtenant_id (office); "
        "username needs password or password_env (password grant)"
    )


@pytest.mark.parametrize("password", ['password = "pw"\n', f'password_env = "{UNSET}"\n'])
def test_a_fourhse_username_with_a_password_from_the_file_or_a_variable_loads(
    tmp_path: Path, password: str
) -> None:
    # The variable is read when signing in, as every *_env secret is.
    path = write(tmp_path, FOURHSE + 'tenant_id = "t"\nusername = "rspp"\n' + password)
    remote = load_settings(path).remote("hse")
    assert isinstance(remote, FourhseRemote) and remote.oidc_grant() == "password"


@pytest.mark.parametrize("header", ["X Api Key", "X-Api-Key:", "", "Clé"])
def test_a_kitehouse_auth_header_that_is_no_header_name_is_refused_when_the_config_loads(
    tmp_path: Path, header: str
) -> None:
    # Loaded, every request of the remote failed at the next sync with "Illegal header name".
    path = write(tmp_path, KITEHOUSE + f'auth_header = "{header}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (school).auth_header: {header!r} is not an HTTP header name: use "
        "letters, digits and !#$%&'*+-.^_`|~ only, no spaces or colon (e.g. \"X-Api-Key\")"
    )


@pytest.mark.parametrize("scheme", ["Bearer\\n", "Jeton é", "Bearer\\t"])
def test_a_kitehouse_auth_scheme_no_header_can_carry_is_refused_unquoted(
    tmp_path: Path, scheme: str
) -> None:
    path = write(tmp_path, KITEHOUSE + f'auth_scheme = "{scheme}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    line = str(caught.value)
    assert line == (
        f"{path}: remotes[0] (school).auth_scheme: holds a line break, a control character or "
        "a letter outside ASCII, which no request header can carry: use the scheme alone "
        '(e.g. "Bearer"), or "" for the bare token'
    )


@pytest.mark.parametrize(("header", "scheme"), [("X-Api-Key", ""), ("x_token", "Token"),
                                                ("Authorization", "Api-Key v1")])
def test_a_kitehouse_auth_header_and_scheme_a_header_can_carry_load(
    tmp_path: Path, header: str, scheme: str
) -> None:
    path = write(tmp_path, KITEHOUSE + f'auth_header = "{header}"\nauth_scheme = "{scheme}"\n')
    remote = load_settings(path).remote("school")
    assert isinstance(remote, KitehouseRemote)
    assert (remote.auth_header, remote.auth_scheme) == (header, scheme)


@pytest.mark.parametrize("blank", ["", " ", "\t"])
@pytest.mark.parametrize(
    ("table", "key", "problem"),
    [
        ('[[remotes]]\nname = "school"\nkind = "kitehouse"\nbase_url = "http://h"\n',
         "site_id", "remotes[0] (school).site_id: must not be empty or blank"),
        ('[[remotes]]\nname = "status"\nkind = "oneuptime"\n',
         "project_id", "remotes[0] (status).project_id: must not be empty or blank"),
        (FOURHSE, "tenant_id",
         "remotes[0] (hse): needs tenant_id (project) and/or subtenant_id (office)"),
        (FOURHSE + 'tenant_id = "t"\nusername = "rspp"\npassword = "pw"\n', "client_id",
         "remotes[0] (hse): username needs client_id (leave it out for 4hse)"),
        ('[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "http://h"\n'
         'token_url = "http://sso/t"\nclient_secret = "s"\n', "client_id",
         "remotes[0] (ops): token_url needs client_id"),
        ('[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "http://h"\n'
         'token_url = "http://sso/t"\nclient_id = "c"\npassword = "pw"\n', "username",
         "remotes[0] (ops): password needs username (password grant)"),
    ],
)
def test_a_blank_id_is_refused_as_an_empty_one_is(
    tmp_path: Path, table: str, key: str, problem: str, blank: str
) -> None:
    # tenant_id = " " and project_id = " " loaded, where "" was refused: every request was
    # then scoped to a project of that name.
    path = write(tmp_path, table + f'{key} = "{blank}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}: {problem}"


def test_a_blank_optional_id_is_unset_as_an_empty_one_is(tmp_path: Path) -> None:
    path = write(tmp_path, FOURHSE + 'tenant_id = "t"\nsubtenant_id = " "\n')
    remote = load_settings(path).remote("hse")
    assert isinstance(remote, FourhseRemote) and remote.subtenant_id == ""
    assert remote.office_missing(None) is not None


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[[remotes]]\nname = "rv"\nkind = "revily"\nbase_url = "http://h"\n', "service_id"),
        (KITEHOUSE, "default_category_id"),
        (KITEHOUSE, "default_source_id"),
        (KITEHOUSE, "default_priority_id"),
        (ONEUPTIME, "created_state_id"),
        (ONEUPTIME, "ack_state_id"),
        (ONEUPTIME, "resolved_state_id"),
    ],
)
@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_optional_id_of_a_connector_is_unset(
    tmp_path: Path, table: str, key: str, blank: str
) -> None:
    # Loaded as it was, " " went out as the id: a Revily create was posted to /services/%20.
    plain = load_settings(write(tmp_path, table)).remotes[0]
    remote = load_settings(write(tmp_path, table + f'{key} = "{blank}"\n')).remotes[0]
    assert getattr(remote, key) is None
    assert remote.mapping() == plain.mapping()  # no reason to read the cache again


@pytest.mark.parametrize("blank", ["", " "])
def test_a_blank_kitehouse_priority_id_is_refused_naming_its_severity(
    tmp_path: Path, blank: str
) -> None:
    line = f'priority_ids = {{ critical = "p-1", major = "{blank}" }}\n'
    path = write(tmp_path, KITEHOUSE + line)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (school).priority_ids.major: must not be empty or blank"
    )


@pytest.mark.parametrize(
    ("table", "key"),
    [
        (KITEHOUSE, "token_env"),
        (FOURHSE + 'tenant_id = "t"\nusername = "rspp"\n', "password_env"),
        ('[[remotes]]\nname = "ops"\nkind = "aoh_ims"\nbase_url = "http://h"\n'
         'token_url = "http://sso/t"\nclient_id = "c"\n', "client_secret_env"),
    ],
)
@pytest.mark.parametrize("blank", ["", " "])
def test_an_empty_variable_name_is_refused_when_the_config_loads(
    tmp_path: Path, table: str, key: str, blank: str
) -> None:
    # token_env = "" loaded and was passed over without a word: the remote sent no token
    # and earned the server's 401 at each sync.
    path = write(tmp_path, table + f'{key} = "{blank}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    name = table.split('name = "')[1].split('"')[0]
    assert (
        f"remotes[0] ({name}).{key}: names no variable: give the name of the variable that "
        "holds the secret, or leave the key out"
    ) in str(caught.value)
