"""Nova's ``[quota]`` configuration: the limits every project has until an admin sets its own.

``Cloud(quotas={"instances": 100})`` and ``lifecycle serve --quota instances=100``
change them as ``nova.conf``'s ``[quota]`` section does; the ``default`` quota
class (``os-quota-class-sets``) and every project's quota start from them.
Nova's defaults are small (10 servers, 20 cores, 50 GiB of RAM a project), and
the fake enforces them, so a test that boots more servers raises them here.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_QUOTAS", "parse_quota", "quota_config"]

DEFAULT_QUOTAS: dict[str, int] = {
    "instances": 10,
    "cores": 20,
    "ram": 51200,
    "metadata_items": 128,
    "key_pairs": 100,
    "server_groups": 10,
    "server_group_members": 10,
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
    "floating_ips": -1,
    "fixed_ips": -1,
    "security_groups": -1,
    "security_group_rules": -1,
}
"""Nova's ``[quota]`` defaults (``nova/conf/quota.py``), as ``doc/api_samples/os-quota-sets`` show them."""


def quota_config(overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """Nova's defaults with ``overrides`` applied; -1 is unlimited, as in ``nova.conf``.

    Raises:
        ValueError: an unknown resource (the valid ones are named) or a value
            that is not an integer of at least -1.
    """
    config = dict(DEFAULT_QUOTAS)
    for name, value in (overrides or {}).items():
        if name not in DEFAULT_QUOTAS:
            raise ValueError(f"unknown quota {name!r}; valid choices: {', '.join(DEFAULT_QUOTAS)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < -1:
            raise ValueError(f"quota {name} must be an integer >= -1 (-1: unlimited), got {value!r}")
        config[name] = value
    return config


def parse_quota(text: str) -> tuple[str, int]:
    """``instances=100`` -> ``("instances", 100)``, for ``--quota``.

    Raises:
        ValueError: not ``NAME=INTEGER``, or what :func:`quota_config` refuses.
    """
    name, sep, value = text.partition("=")
    name = name.strip()
    try:
        number = int(value.strip(), 10) if sep else None
    except ValueError:
        number = None
    if number is None:
        raise ValueError(f"expected NAME=INTEGER (e.g. instances=100), got {text!r}")
    quota_config({name: number})
    return name, number
