from pathlib import Path

import pytest
from tongdai import settings
from tongdai.settings import Settings, SettingsError


def test_defaults_match_the_documented_ports(tmp_path):
    s = settings.load(env={"TONGDAI_CONFIG": str(tmp_path / "none.toml")})
    assert (s.bind, s.sip_port, s.sips_port, s.http_port, s.media_port) == (
        "0.0.0.0",
        5060,
        5061,
        8080,
        5080,
    )
    assert s.rtp_ports == (10000, 10999)
    assert s.data_dir == Path("var") and s.db_path == Path("var/tongdai.db")
    assert s.language == "vi" and s.timezone == "Asia/Ho_Chi_Minh"


def test_layers_override_in_order(tmp_path):
    toml = tmp_path / "tongdai.toml"
    toml.write_text(
        'http_port = 9000\nsip_port = 5070\nlanguage = "en"\nrtp_ports = [12000, 12999]\n'
    )
    env = {"TONGDAI_SIP_PORT": "5071", "TONGDAI_HTTP_PORT": "9001"}
    s = settings.load({"http_port": "9002", "bind": None}, env=env, config_file=toml)
    assert s.http_port == 9002  # flag beats environment beats file
    assert s.sip_port == 5071  # environment beats file
    assert s.language == "en"  # file beats default
    assert s.rtp_ports == (12000, 12999)
    assert s.bind == "0.0.0.0"  # a flag left unset changes nothing


def test_config_file_found_through_environment(tmp_path):
    toml = tmp_path / "box.toml"
    toml.write_text('timezone = "Europe/Paris"\n')
    s = settings.load(env={"TONGDAI_CONFIG": str(toml)})
    assert s.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("layer", "name", "value"),
    [
        ("env", "TONGDAI_SIP_PORT", "70000"),
        ("env", "TONGDAI_RTP_PORTS", "10001-10999"),
        ("env", "TONGDAI_BIND", "not-an-address"),
        ("env", "TONGDAI_LANGUAGE", "fr"),
        ("env", "TONGDAI_TIMEZONE", "Mars/Olympus"),
        ("flag", "http_port", "http"),
        ("env", "TONGDAI_PROVISIONING_PNP", "maybe"),
        ("env", "TONGDAI_PHONE_SIP_TRANSPORT", "sctp"),
        ("env", "TONGDAI_PROVISIONING_WINDOW", "-1"),
    ],
)
def test_bad_values_name_the_setting_and_its_source(layer, name, value):
    with pytest.raises(SettingsError) as err:
        if layer == "env":
            settings.load(env={name: value, "TONGDAI_CONFIG": "/nonexistent.toml"})
        else:
            settings.load({name: value}, env={"TONGDAI_CONFIG": "/nonexistent.toml"})
    field = name.removeprefix("TONGDAI_").lower()
    assert field in str(err.value)
    assert ("environment" if layer == "env" else "command line") in str(err.value)


def test_bad_toml_and_unknown_keys_are_refused(tmp_path):
    toml = tmp_path / "tongdai.toml"
    toml.write_text("http_port = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        settings.load(env={}, config_file=toml)
    toml.write_text("htp_port = 1\n")
    with pytest.raises(SettingsError, match="unknown setting 'htp_port'"):
        settings.load(env={}, config_file=toml)


def test_media_address_follows_a_specific_bind():
    assert Settings(bind="127.0.0.1").resolved_media_address() == "127.0.0.1"
    assert Settings(bind="127.0.0.1", media_address="127.0.0.5").resolved_media_address() == (
        "127.0.0.5"
    )
    lan = Settings(bind="0.0.0.0").resolved_media_address()
    assert lan == settings.lan_address()


def test_provisioning_settings(tmp_path):
    none = {"TONGDAI_CONFIG": "/nonexistent.toml"}
    s = settings.load(env=none)
    assert (s.provisioning_pnp, s.phone_sip_transport, s.provisioning_window) == (
        False,
        "udp",
        86_400,
    )  # PnP (multicast) stays off unless asked for
    conf = tmp_path / "tongdai.toml"
    conf.write_text('provisioning_pnp = true\nphone_sip_transport = "TLS"\n')
    s = settings.load(config_file=conf, env={"TONGDAI_PROVISIONING_WINDOW": "0"})
    assert (s.provisioning_pnp, s.phone_sip_transport, s.provisioning_window) == (True, "tls", 0)
    assert settings.load(env={**none, "TONGDAI_PROVISIONING_PNP": "off"}).provisioning_pnp is False
