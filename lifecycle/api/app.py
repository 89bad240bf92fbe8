"""The WSGI application: Nova's Compute API v2.1 routes over a :class:`~lifecycle.api.cloud.Cloud`.

Plain WSGI, so it runs under the bundled threading server
(:mod:`lifecycle.api.serve`), any WSGI server, or in-process through a WSGI
adapter. Every answer carries Nova's headers (request id, the microversion
echoed) and every error Nova's fault envelope.
"""

from __future__ import annotations

import collections
import functools
import importlib
import ipaddress
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode

from lifecycle.api import (
    bodies,
    flavor_access,
    hostnames,
    hosts,
    image_proxy,
    inject_network,
    policy,
    scheduler,
    server_networks,
    views,
)
from lifecycle.api.actions import Reply, run_action
from lifecycle.api.cloud import Cloud, Record, now
from lifecycle.api.context import RequestContext, context_of
from lifecycle.api.errors import ApiError, bad_request, conflict, fault_body, not_found
from lifecycle.api.filters import filter_servers
from lifecycle.api.flavor_admin import listed
from lifecycle.api.flavors import flavor_body
from lifecycle.api.httpd import MAX_BODY
from lifecycle.api.image_fit import require_fit
from lifecycle.api.images import require_image
from lifecycle.api.instance_actions import record_action, settle_running
from lifecycle.api.keypairs import require_keypair
from lifecycle.api.metadata import check_metadata_quota
from lifecycle.api.network_quotas import PORT_LIMIT_EXCEEDED
from lifecycle.api.networks import Network
from lifecycle.api.over_quota import check_num_instances, quota_lock
from lifecycle.api.personality import check_injected_files
from lifecycle.api.routing import ROUTE_MODULES, no_query
from lifecycle.api.schema import BOOLEAN_VALUES, ascii_digits, validate
from lifecycle.api.server_groups import add_member, group_ids, requested_group
from lifecycle.api.server_query import check_list_query
from lifecycle.api.server_sort import sort_servers
from lifecycle.api.shapes import shape
from lifecycle.api.versions import (
    MIN_VERSION,
    Version,
    legacy_version_doc,
    negotiate,
    text,
    version_doc,
    versions_list,
)
from lifecycle.api.visibility import visible
from lifecycle.errors import InvalidStateError, LifecycleError, RequestRefusedError

__all__ = ["ComputeApp"]

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_REASONS = {200: "OK", 202: "Accepted", 204: "No Content", 300: "Multiple Choices"}
_MAX_LIMIT = 1000
_TRUE = ("1", "t", "true", "on", "y", "yes")
_FALSE = ("0", "f", "false", "off", "n", "no")
_UNREAD = object()

SUPPORTED_CONTENT_TYPES = ("application/json", "application/vnd.openstack.compute+json")
"""``nova/api/openstack/wsgi.py:_SUPPORTED_CONTENT_TYPES``: any other Content-Type is a 415."""

MAX_DEPTH = 64
"""How deeply a JSON body may nest. Nova's bodies nest 4 levels at most; a deeper one
(``[[[[...]]]]`` 10,000 times) would exhaust the parser's or the validator's recursion."""


def decode_path(path: str) -> str:
    """PEP 3333's ``PATH_INFO`` (the path's bytes as Latin-1 characters) as the UTF-8 text clients sent.

    A path that is not Latin-1 (an in-process caller passing text) or not UTF-8
    underneath is kept as it is: it matches nothing and is a 404.
    """
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path


def _too_deep(value: Any) -> bool:
    """Whether ``value`` nests deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class Request:
    """What a handler needs from the WSGI environ."""

    def __init__(self, environ: Mapping[str, Any], version: Version) -> None:
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        self.path: str = decode_path(environ.get("PATH_INFO", "") or "/")
        self.query: dict[str, list[str]] = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        host = (
            environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
        )
        self.base = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '').rstrip('/')}"
        self.version = version
        self._environ = environ
        self._body: Any = _UNREAD
        self.request_id = ""
        self.created: list[str] = []
        """Servers this request created (one create can make several)."""

    @property
    def is_admin(self) -> bool:
        """Whether the caller is an admin (``lifecycle.api.context``): admins pass instance locks."""
        return self.context.is_admin

    def json(self) -> Any:
        """The JSON body (read once, then remembered); 400 ``Malformed request body`` when it is not JSON."""
        if self._body is not _UNREAD:
            return self._body
        self._body = self._read_json()
        return self._body

    def _read_json(self) -> Any:
        """Read and parse the body; 400 when it is not JSON or nests too deeply.

        The body is read only up to Nova's cap (a server that did not enforce
        it still gets the 413 oslo.middleware's sizelimit answers).
        """
        text = str(self._environ.get("CONTENT_LENGTH") or "0").strip()
        length = int(text) if ascii_digits(text) else 0
        if length > MAX_BODY:
            raise ApiError(413, "Request is too large.")
        raw = self._environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise bad_request("Malformed request body") from None
        if _too_deep(body):
            raise bad_request(f"Malformed request body: nested more than {MAX_DEPTH} levels deep")
        return body

    def check_content_type(self) -> None:
        """Nova's ``Request.get_content_type``: none, empty or ``text/plain`` is fine, else JSON or 415."""
        if "CONTENT_TYPE" not in self._environ:
            return
        content_type = str(self._environ["CONTENT_TYPE"]).split(";", 1)[0].strip()
        if content_type and content_type != "text/plain" and content_type not in SUPPORTED_CONTENT_TYPES:
            raise ApiError(415, "Unsupported Content-Type")

    def first(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    @property
    def content_length(self) -> int:
        """The body's declared length (0 when absent or malformed)."""
        try:
            return max(0, int(self._environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            return 0

    @property
    def context(self) -> RequestContext:
        """Who is asking (:func:`~lifecycle.api.context.context_of`)."""
        return context_of(self._environ)


def _headers_of(environ: Mapping[str, Any]) -> dict[str, str]:
    return {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items() if key.startswith("HTTP_")}


class ComputeApp:
    """A fake Nova Compute API (v2.1, microversions up to :data:`~lifecycle.api.versions.MAX_VERSION`).

    Args:
        cloud: the state to serve (a new instant-pace :class:`Cloud` by default).
        log_size: how many recent requests :attr:`log` keeps.

    Attributes:
        cloud: the control handle: seed servers, inject failures, advance tasks.
        log: recent ``(method, path, status)`` triples, newest last.
    """

    def __init__(self, cloud: Cloud | None = None, *, log_size: int = 1000) -> None:
        self.cloud = cloud if cloud is not None else Cloud()
        self.log: collections.deque[tuple[str, str, int]] = collections.deque(maxlen=log_size)
        self._routes: list[tuple[re.Pattern[str], dict[str, Callable[..., Reply]]]] = [
            (re.compile(r"^/?$"), {"GET": self._versions}),
            (re.compile(r"^/v2\.1/?$"), {"GET": self._version}),
            (re.compile(r"^/v2/?$"), {"GET": self._legacy_version}),
            (re.compile(r"^/v2\.1/servers/?$"), {"GET": self._list, "POST": self._create}),
            (re.compile(r"^/v2\.1/servers/detail/?$"), {"GET": self._detail}),
            (re.compile(r"^/v2\.1/servers/([^/]+)/action/?$"), {"POST": self._action}),
            (re.compile(r"^/v2\.1/servers/([^/]+)/os-security-groups/?$"), {"GET": self._security_groups}),
            (
                re.compile(r"^/v2\.1/servers/([^/]+)/?$"),
                {"GET": self._show, "PUT": self._update, "DELETE": self._delete},
            ),
            (re.compile(r"^/v2\.1/os-services/?$"), {"GET": self._services}),
            (re.compile(r"^/v2\.1/os-services/([^/]+)/?$"), {"PUT": self._update_service}),
            (re.compile(r"^/v2\.1/images(/.*)?$"), dict.fromkeys(("GET", "POST", "PUT", "DELETE"), self._images)),
            (re.compile(r"^/v2\.1/os-security-groups$"), {"GET": self._proxy_groups, "POST": self._proxy_create}),
            (re.compile(r"^/v2\.1/os-security-group-rules/?$"), {"POST": self._proxy_create_rule}),
            (re.compile(r"^/v2\.1/os-security-group-rules/([^/]+)/?$"), {"DELETE": self._proxy_delete_rule}),
            (
                re.compile(r"^/v2\.1/os-security-groups/([^/]+)/?$"),
                {"GET": self._proxy_group, "PUT": self._proxy_group, "DELETE": self._proxy_group},
            ),
            (re.compile(r"^/v2\.1/flavors/?$"), {"GET": self._flavors}),
            (re.compile(r"^/v2\.1/flavors/detail/?$"), {"GET": self._flavors_detail}),
            (re.compile(r"^/v2\.1/flavors/([^/]+)/?$"), {"GET": self._flavor}),
        ]
        self._routes += _mounted_routes(self)

    # -- WSGI ---------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = f"req-{uuid.uuid4()}"
        version = MIN_VERSION
        try:
            version = negotiate(_headers_of(environ))
            request = Request(environ, version)
            request.request_id = request_id
            request.check_content_type()
            status, body, extra = self._dispatch(request)
        except ApiError as exc:
            status, body, extra = exc.code, fault_body(exc.code, exc.message), exc.headers
        except RequestRefusedError as exc:  # refused whatever the state: Nova's 400 (or 404 below a microversion)
            status, body, extra = exc.http_status, fault_body(exc.http_status, exc.message), {}
        except InvalidStateError as exc:  # InstanceLockedError too: Nova's 409 with the model's words
            status, body, extra = 409, fault_body(409, exc.message), {}
        except LifecycleError as exc:
            status, body, extra = 400, fault_body(400, str(exc)), {}
        except Exception as exc:  # a fake must answer, like Nova's FaultWrapper
            status, body, extra = 500, fault_body(500, f"Unexpected API Error. {type(exc).__name__}: {exc}"), {}
        payload = b"" if body is None else json.dumps(body).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("OpenStack-API-Version", f"compute {text(version)}"),
            ("X-OpenStack-Nova-API-Version", text(version)),
            ("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version"),
            ("X-OpenStack-Request-ID", request_id),
            ("X-Compute-Request-ID", request_id),
            *extra.items(),
        ]
        self.log.append((environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), status))
        start_response(f"{status} {_REASONS.get(status, _reason(status))}", headers)
        return [payload]

    def _dispatch(self, request: Request) -> Reply:
        matched = False
        for pattern, methods in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            matched = True
            handler = methods.get(request.method)
            if handler is None:
                continue  # another module may serve this method on the same path (POST /flavors)
            settle_running(self, request)
            reply = handler(request, *match.groups())
            record_action(self, request, reply)
            return reply
        if matched:
            raise ApiError(405, "The method specified is not allowed for this resource.")
        raise not_found("The resource could not be found.")

    # -- versions -------------------------------------------------------------
    def _versions(self, request: Request) -> Reply:
        return 200, versions_list(request.base), {}

    def _legacy_version(self, request: Request) -> Reply:
        return 200, legacy_version_doc(request.base), {}

    def _version(self, request: Request) -> Reply:
        return 200, version_doc(request.base), {}

    # -- servers --------------------------------------------------------------
    def _owned(self, request: Request, server_id: str) -> Record:
        """The server, if the caller's project owns it or the caller is an admin; else Nova's 404."""
        record = self.cloud.record(server_id)
        context = request.context
        if not context.is_admin and record.project_id != context.project_id:
            raise not_found(f"Instance {server_id} could not be found.")
        return record

    def _projects(self, request: Request, detail: bool) -> Callable[[Record], bool]:
        """Nova's ``_get_servers``: one's own project, or (admins, ``all_tenants``) every or the named one."""
        context = request.context
        policy.authorize_route(context, "detail" if detail else "index", context.project_id)
        flag = request.first("all_tenants")
        every = False
        if flag is not None:  # present and empty means yes (common.is_all_tenants)
            if flag.strip().lower() not in (*_TRUE, *_FALSE, ""):
                raise bad_request(
                    f"Unrecognized value '{flag}', acceptable values are: "
                    "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
                )
            every = flag.strip().lower() in (*_TRUE, "")
        if every:
            policy.authorize_route(context, "all_tenants:detail" if detail else "all_tenants:index", context.project_id)
            named = request.first("project_id") or request.first("tenant_id")
            return (lambda r: True) if not named else (lambda r: r.project_id == named)
        own = context.project_id
        return lambda r: r.project_id == own

    def _select(self, request: Request, detail: bool) -> Reply:
        check_list_query(request.query, request.version, admin=request.context.is_admin)  # 2.75: no unknowns
        mine = self._projects(request, detail)
        start, remaining = visible(self.cloud, request)
        records = filter_servers(
            [r for r in start if mine(r)], remaining, request.version, admin=request.context.is_admin
        )
        records = sort_servers(records, request.query, request.version, admin=request.context.is_admin)
        limit_text, marker = request.first("limit"), request.first("marker")
        if marker is not None:
            ids = [r.id for r in records]
            if marker not in ids:
                raise bad_request(f"marker [{marker}] not found")
            records = records[ids.index(marker) + 1 :]
        limit = _MAX_LIMIT
        if limit_text is not None:
            if not ascii_digits(limit_text):
                raise bad_request(f"Invalid input for query parameters limit. Value: {limit_text}.")
            limit = min(int(limit_text), _MAX_LIMIT)
        page = records[:limit]
        if detail:
            admin = request.is_admin
            render = policy.redact(
                request.context,
                lambda r: shape(
                    r, views.server_body(r, request.base, request.version, admin=admin), "detail", request.version
                ),
            )
            items = self._read_many(page, render)
        else:
            items = self._read_many(page, lambda r: views.server_summary(r, request.base))
        body: dict[str, Any] = {"servers": items}
        if page and len(page) == limit and len(records) > limit:
            # common.py _get_next_link: the request's parameters, each value kept (several sort_key/sort_dir)
            pairs = [(k, v) for k, values in request.query.items() if k not in ("marker", "limit") for v in values]
            pairs += [("limit", str(limit)), ("marker", page[-1].id)]
            path = "servers/detail" if detail else "servers"
            body["servers_links"] = [{"rel": "next", "href": f"{request.base}/v2.1/{path}?{urlencode(pairs)}"}]
        return 200, body, {}

    def _read_many(self, page: list[Record], render: Callable[[Record], Any]) -> list[Any]:
        """Render a page: live servers through the cloud (a read steps them), deleted ones as they ended."""
        items: list[Any] = []
        for record in page:
            items.extend([render(record)] if record.gone else self.cloud.read_many([record], render))
        return items

    def _list(self, request: Request) -> Reply:
        return self._select(request, detail=False)

    def _detail(self, request: Request) -> Reply:
        return self._select(request, detail=True)

    def _show(self, request: Request, server_id: str) -> Reply:
        no_query(request)  # show_query_v2102: no parameters from 2.102
        record = self._owned(request, server_id)
        policy.authorize_route(request.context, "show", record.project_id)
        render = policy.redact(
            request.context,
            lambda r: shape(
                r,
                views.server_body(r, request.base, request.version, admin=request.is_admin),
                "show",
                request.version,
                groups=group_ids(self.cloud, r),
            ),
        )
        return 200, {"server": self.cloud.read(record, render)}, {}

    def _create(self, request: Request) -> Reply:
        context = request.context
        policy.authorize_route(context, "create", context.project_id)
        spec = _create_spec(request.json(), request.version)
        where = scheduler.requested(
            self.cloud, context, spec.get("availability_zone"), spec.get("host"), spec.get("hypervisor_hostname")
        )
        flavor_ref = str(spec["flavorRef"])
        try:
            flavor = self.cloud.flavor(flavor_ref)
        except ApiError:
            raise bad_request("Invalid flavorRef provided.") from None
        if not flavor_access.visible(self.cloud, flavor, context):
            raise bad_request("Invalid flavorRef provided.")
        scheduler.check(self.cloud, where)
        image = str(spec.get("imageRef") or "").rstrip("/").rsplit("/", 1)[-1]
        bdm = spec.get("block_device_mapping_v2") or spec.get("block_device_mapping")
        if not image and not bdm:
            raise bad_request(
                "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device "
                "mapping combination is not valid."
            )
        if image:
            require_fit(flavor, require_image(self.cloud.images, context, image))
        plan = self.cloud.networks.requested(spec.get("networks", "auto"), context)
        groups = server_networks.requested_groups(self.cloud, context, spec.get("security_groups"))
        require_keypair(self, request, spec.get("key_name"))
        check_metadata_quota(self, request.context.project_id, spec.get("metadata") or {})
        check_injected_files(self.cloud, context.project_id, spec.get("personality"))
        hints = scheduler.hints_of(request.json())
        hostnames.check_single(spec.get("hostname"), int(spec["max_count"]))
        with quota_lock(self.cloud):  # the check and the boots it allows, as one step
            max_count = _port_quota_count(self.cloud, context.project_id, plan, spec["min_count"], spec["max_count"])
            count = check_num_instances(self.cloud, context.project_id, flavor, spec["min_count"], max_count)
            group = requested_group(self, request, request.json(), count)
            placed = scheduler.schedule(self.cloud, where, group, count, hints)
            first: Record | None = None
            reservation = f"r-{secrets.token_hex(4)}"  # compute/api.py:_create_instance: one per request
            for n in range(1, count + 1):
                name = spec["name"] if count == 1 else f"{spec['name']}-{n}"
                record = self.cloud.boot(
                    name=name,
                    flavor=flavor,
                    image_id=image,
                    networks=spec.get("networks", "auto"),
                    metadata=dict(spec.get("metadata") or {}),
                    key_name=spec.get("key_name"),
                    description=spec.get("description"),
                    tags=list(spec.get("tags") or []),
                    access_ipv4=spec.get("accessIPv4", ""),
                    access_ipv6=normalised_ip(spec.get("accessIPv6", "")),
                    user_data=spec.get("user_data"),
                    **scheduler.boot_fields(self.cloud, where, placed, n - 1),
                    reservation_id=reservation,
                    launch_index=n - 1,
                    config_drive="True" if BOOLEAN_VALUES.get(spec.get("config_drive", False)) else "",
                    disk_config=spec.get("OS-DCF:diskConfig", "MANUAL"),
                    project_id=context.project_id,
                    user_id=context.user_id,
                    scheduler_hints=hints,
                    **({"admin_pass": spec["adminPass"]} if spec.get("adminPass") else {}),
                )
                record.hostname = hostnames.create_hostname(spec.get("hostname"), spec["name"], record.id, count, n - 1)
                self.cloud.networks.plug(record, plan if n == 1 else _fresh(plan), context.project_id, groups)
                if group is not None:
                    add_member(self, group, record)
                first = first or record
                request.created.append(record.id)
        assert first is not None
        if BOOLEAN_VALUES.get(spec.get("return_reservation_id", False)):
            return 202, {"reservation_id": first.reservation_id}, {}
        body = {
            "server": {
                "id": first.id,
                "links": views.server_links(request.base, first.id),
                "OS-DCF:diskConfig": spec.get("OS-DCF:diskConfig", "MANUAL"),
                "security_groups": [{"name": name} for name in groups],
                "adminPass": first.admin_pass,
            }
        }
        return 202, body, {"Location": f"{request.base}/v2.1/servers/{first.id}"}

    def _update(self, request: Request, server_id: str) -> Reply:
        body = request.json()
        validate(body, bodies.UPDATE, request.version)
        spec = body["server"]
        record = self._owned(request, server_id)
        policy.authorize_route(request.context, "update", record.project_id)
        with record.lock:
            if "name" in spec:
                record.server.name = spec["name"]
            if "description" in spec:
                record.description = spec["description"]
            record.hostname = spec.get("hostname", record.hostname)  # servers.py update: from 2.90
            record.access_ipv4 = spec.get("accessIPv4", record.access_ipv4)
            record.disk_config = spec.get("OS-DCF:diskConfig", record.disk_config)
            record.access_ipv6 = normalised_ip(spec.get("accessIPv6", record.access_ipv6))
            if "pinned_availability_zone" in spec:
                record.pinned_az = pinned_zone(record, spec["pinned_availability_zone"])
            groups = group_ids(self.cloud, record)
            render = policy.redact(
                request.context,
                lambda r: shape(
                    r,
                    views.server_body(r, request.base, request.version, admin=request.is_admin),
                    "update",
                    request.version,
                    groups=groups,
                ),
            )
            return 200, {"server": render(record)}, {}

    def _delete(self, request: Request, server_id: str) -> Reply:
        record = self._owned(request, server_id)
        policy.authorize_route(request.context, "delete", record.project_id)
        self.cloud.perform(record, "delete", microversion=text(request.version), bypass_lock=request.context.is_admin)
        return 204, None, {}

    def _action(self, request: Request, server_id: str) -> Reply:
        body = request.json()
        record = self._owned(request, server_id)
        if isinstance(body, dict) and len(body) == 1:
            key = next(iter(body))
            policy.authorize_action(request.context, key, body[key], record.project_id)
            direct = server_networks.ACTIONS.get(key) or inject_network.ACTIONS.get(key)
            if direct is not None:
                return direct(self.cloud, record, request.context, body[key])
        return run_action(self.cloud, record, body, request.version, request.base, request.context)

    def _security_groups(self, request: Request, server_id: str) -> Reply:
        record = self._owned(request, server_id)
        policy.authorize_route(request.context, "list_security_groups", record.project_id)
        return 200, server_networks.groups_body(self.cloud, record), {}

    def _images(self, request: Request, rest: str | None) -> Reply:
        body = request.json() if request.method in ("POST", "PUT") else None
        return image_proxy.handle(
            self.cloud, request.context, request.version, request.method, rest or "", request.query, request.base, body
        )

    def _proxy_create_rule(self, request: Request) -> Reply:
        body = request.json()
        return server_networks.proxy_create_rule(self.cloud, request.context, request.version, body)

    def _proxy_delete_rule(self, request: Request, rule_id: str) -> Reply:
        return server_networks.proxy_delete_rule(self.cloud, request.context, request.version, rule_id)

    def _proxy_groups(self, request: Request) -> Reply:
        every = request.first("all_tenants")
        return server_networks.proxy_groups(
            self.cloud, request.context, request.version, every is not None and every.lower() not in _FALSE
        )

    def _proxy_create(self, request: Request) -> Reply:
        body = request.json()
        return server_networks.proxy_create(self.cloud, request.context, request.version, body)

    def _proxy_group(self, request: Request, group_id: str) -> Reply:
        body = request.json() if request.method == "PUT" else None
        return server_networks.proxy_group(self.cloud, request.context, request.version, group_id, request.method, body)

    # -- hosts (admin only by Nova's default policy) ----------------------------
    @staticmethod
    def _admin_only(request: Request, rule: str) -> None:
        if not request.is_admin:
            raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")

    def _services(self, request: Request) -> Reply:
        self._admin_only(request, "os_compute_api:os-services:list")
        return 200, hosts.services_reply(self.cloud, request.version, request.query, views.stamp(now()) or ""), {}

    def _update_service(self, request: Request, service_id: str) -> Reply:
        self._admin_only(request, "os_compute_api:os-services:update")
        body = hosts.update_service(self.cloud, service_id, request.json(), request.version, views.stamp(now()) or "")
        return 200, body, {}

    # -- flavors --------------------------------------------------------------
    def _flavors(self, request: Request) -> Reply:
        items = [flavor_body(f, request.base, request.version, detail=False) for f in listed(self, request)]
        return 200, {"flavors": items}, {}

    def _flavors_detail(self, request: Request) -> Reply:
        items = [flavor_body(f, request.base, request.version, detail=True) for f in listed(self, request)]
        return 200, {"flavors": items}, {}

    def _flavor(self, request: Request, flavor_id: str) -> Reply:
        no_query(request)  # flavors.py:show, show_query_v2102
        flavor = self.cloud.flavor(flavor_id)
        if not flavor_access.visible(self.cloud, flavor, request.context):
            raise not_found(f"Flavor {flavor.id} could not be found.")
        return 200, {"flavor": flavor_body(flavor, request.base, request.version, detail=True)}, {}


def _mounted_routes(app: ComputeApp) -> list[tuple[re.Pattern[str], dict[str, Callable[..., Reply]]]]:
    """The routes of :data:`~lifecycle.api.routing.ROUTE_MODULES`, bound to ``app``."""
    table: list[tuple[re.Pattern[str], dict[str, Callable[..., Reply]]]] = []
    for name in ROUTE_MODULES:
        for pattern, methods in importlib.import_module(name).ROUTES:
            bound: dict[str, Callable[..., Reply]] = {m: functools.partial(h, app) for m, h in methods.items()}
            table.append((re.compile(rf"^/v2\.1/{pattern}/?$"), bound))
    return table


def pinned_zone(record: Record, wanted: str | None) -> str | None:
    """2.104: unpin with null; pin only to the zone the server is in, and only when unpinned (``servers.py:update``)."""
    if wanted is None or wanted == record.pinned_az:
        return wanted
    if record.pinned_az is not None:
        raise conflict(
            "Cannot change pinned availability zone directly. Unpin first by setting pinned_availability_zone to null."
        )
    if wanted != record.availability_zone:
        raise conflict(
            f"Server can only be pinned to its current availability zone '{record.availability_zone}', "
            f"but '{wanted}' was requested."
        )
    return wanted


def normalised_ip(text: str) -> str:
    """An access address as Nova stores it (``netaddr``): ``2001:DB8::0001`` reads back as ``2001:db8::1``."""
    try:
        return str(ipaddress.ip_address(text)) if text else text
    except ValueError:
        return text


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _port_quota_count(cloud: Cloud, project_id: str, plan: list[Any], min_count: int, max_count: int) -> int:
    """``max_count`` lowered to what the project's Neutron port quota allows (``compute/api.py``
    ``_create_instance`` over ``neutron.py:validate_networks``: one port per requested network, none
    for a given port); below ``min_count`` is ``PortLimitExceeded``, 403 in ``servers.py`` ``create``."""
    per_instance = sum(1 for target, _ in plan if isinstance(target, Network))
    allowed = cloud.networks.quotas.instances_allowed(project_id, per_instance, max_count)
    if allowed < min_count:
        raise ApiError(403, PORT_LIMIT_EXCEEDED)
    return min(allowed, max_count)


def _fresh(plan: list[Any]) -> list[Any]:
    """A multi-create's later servers get new ports on the same networks (a given port serves only the first)."""
    from lifecycle.api.networks import Port

    return [(target, None) for target, _ in plan if not isinstance(target, Port)]


def _create_spec(body: Any, version: Version) -> dict[str, Any]:
    """The ``server`` object of a create body, validated as Nova's ``servers.create`` schema does."""
    validate(body, bodies.CREATE, version)
    spec: dict[str, Any] = body["server"]
    if "networks" not in spec and version >= (2, 37):
        raise bad_request("Invalid input for field/attribute server. 'networks' is a required property")
    low = int(spec.get("min_count", 1))
    high = int(spec.get("max_count", low))
    if low > high:
        raise bad_request("min_count must be <= max_count")
    return {**spec, "min_count": low, "max_count": high}
