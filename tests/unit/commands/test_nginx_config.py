"""The cluster's nginx configuration, rendered from commands/nginx.conf.template."""
import re

from commands.cluster import render_nginx_config
from foundation.settings import Settings


def rendered(*args) -> str:
    """The configuration without its comments."""
    return re.sub(r"#.*", "", render_nginx_config(*args))


def block(config: str, name: str) -> str:
    return re.search(r"upstream %s \{(.*?)\n    \}" % name, config, re.S).group(1)


def test_customers_and_action_calls_each_reach_their_own_servers(tmp_path):
    settings = Settings(host="127.0.0.1", rasa_port=5005, actions_port=5055)
    config = rendered(settings, [7001, 7002], [7101, 7102], tmp_path / "nginx", tmp_path / "log")
    assert "{{" not in config
    assert re.findall(r"listen (\S+);", config) == ["127.0.0.1:5005", "127.0.0.1:5055"]
    rasa, actions = block(config, "rasa_servers"), block(config, "action_servers")
    assert re.findall(r"server (\S+) ", rasa) == ["127.0.0.1:7001", "127.0.0.1:7002"]
    assert re.findall(r"server (\S+) ", actions) == ["127.0.0.1:7101", "127.0.0.1:7102"]
    # Sticky on the conversation for the Rasa servers only.
    assert "hash $sticky_key consistent;" in rasa and "hash" not in actions


def test_every_file_nginx_writes_is_under_the_var_folder(tmp_path):
    config = rendered(Settings(), [7001], [7101], tmp_path / "nginx", tmp_path / "log")
    written = re.findall(r"^\s*(?:pid|access_log|\w+_temp_path)\s+([^\s;]+)", config, re.M)
    paths = [path for path in written if path != "off"]
    assert len(paths) == 7
    assert all(path.startswith(str(tmp_path)) for path in paths)
    assert "error_log stderr" in config  # into the launcher's var/log/nginx.log


def test_on_every_interface_nginx_reaches_its_servers_on_loopback(tmp_path):
    settings = Settings(host="0.0.0.0", rasa_port=5005, actions_port=5055)
    config = rendered(settings, [7001], [7101], tmp_path, tmp_path)
    assert re.findall(r"listen (\S+);", config) == ["0.0.0.0:5005", "0.0.0.0:5055"]
    assert re.findall(r"server (\S+) ", config) == ["127.0.0.1:7001", "127.0.0.1:7101"]
