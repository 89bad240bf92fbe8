"""The ECS native API (``api-ecs/ecs_01_0008``) over the shared :class:`~lifecycle.api.cloud.Cloud`.

Paths and bodies are the ones Huawei's Python SDK sends (``huaweicloudsdkecs/v2/ecs_client.py``,
the ``_*_http_info`` of each method) and answers are what its response models
read. Legality is never decided here: every mutating call is a job of
:class:`lifecycle.simulate.jobs.Jobs` over the ``huawei-ecs`` fleet, so the dialect's
rules (native resize only from SHUTOFF, ``withStopServer`` as one composite
job, reinstall from SHUTOFF or ERROR...) and its refusal (HTTP 400
``Ecs.0100``) come from ``lifecycle/model/dialects/huawei_ecs.py``.

The ECS API acts on ECS servers only: a server the Compute API created is a
``nova`` server, not an ECS, and is 404 ``Ecs.0114`` here (the Compute API
shows both kinds).
"""

from __future__ import annotations

import collections
import contextlib
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from lifecycle.api.cloud import Cloud, Record
from lifecycle.api.errors import ApiError
from lifecycle.api.flavors import Flavor
from lifecycle.api.huawei.bodies import (
    Request,
    headers_of,
    optional_object,
    required,
    required_object,
    required_string,
    server_ids,
)
from lifecycle.api.huawei.errors import (
    BAD_CREDENTIALS,
    FLAVOR_UNCHANGED,
    NO_SUCH_API,
    NOT_FOUND,
    TASK_FAILED,
    EcsError,
    bad_request,
    gateway_error,
    signature_problem,
)
from lifecycle.api.huawei.views import ECS_FLAVORS, server_detail
from lifecycle.errors import InvalidStateError, LifecycleError, ServerNotFoundError
from lifecycle.simulate.events import Event
from lifecycle.simulate.fleet import FleetServer
from lifecycle.simulate.jobs import Job, JobNotFoundError, JobRequestError, Jobs

__all__ = ["DIALECT", "EcsApp", "EcsService"]

DIALECT = "huawei-ecs"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Reply = tuple[int, Any]

# [doc] api-ecs/ecs_02_0103 (list): ``limit`` defaults to 25 and is at most 1000; ``offset`` is a page number from 1.
_LIST_LIMIT, _LIST_MAX = 25, 1000
# [doc] PY model/batch_stop_servers_option.py, batch_reboot_srv_option.py: type SOFT (os-stop's default) or HARD.
_POWER_TYPES = ("SOFT", "HARD")
_STOP_SERVER = "withStopServer"


class EcsService:
    """What the ECS API keeps on a :class:`Cloud`: its job service and the flavors resizes are bringing.

    One per cloud (``cloud.service_state``), however many apps serve it.

    Attributes:
        fleet: the ``huawei-ecs`` fleet of the cloud.
        jobs: the :class:`~lifecycle.simulate.jobs.Jobs` service every native request runs as.
    """

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.fleet = cloud.fleet_for(DIALECT)
        self.jobs = Jobs(self.fleet)
        self._records: dict[str, Record] = {}
        self._resizing: dict[str, Flavor] = {}
        self.fleet.listen(self._on_event)

    def adopt(self, record: Record) -> None:
        """Follow a server the ECS API created."""
        self._records[record.id] = record

    def resize_to(self, record: Record, flavor: Flavor | None) -> None:
        """The flavor a server takes when its resize is confirmed (by the service, in a native resize)."""
        if flavor is None:
            self._resizing.pop(record.id, None)
        else:
            self._records.setdefault(record.id, record)
            self._resizing[record.id] = flavor

    def _on_event(self, event: Event) -> None:
        if event.kind == "request" and event.operation == "confirm_resize":
            flavor = self._resizing.pop(event.server_id, None)
            record = self._records.get(event.server_id)
            if flavor is not None and record is not None:
                record.flavor = flavor
        elif event.kind in ("failure", "reset"):
            self._resizing.pop(event.server_id, None)


class EcsApp:
    """A fake Huawei Cloud ECS native API (WSGI), over ``cloud`` (a new instant-pace Cloud by default).

    Mounted by the gateway at ``/ecs`` and, because Huawei's SDK drops the
    path of its endpoint, at the root paths :data:`ROOT_PATHS` matches.

    Attributes:
        cloud: the shared state (``cloud.seed(..., dialect="huawei-ecs")`` makes an ECS).
        jobs: the job service (``jobs.precondition = "job"`` reports a wrong state as a FAIL job).
        log: recent ``(method, path, status)`` triples, newest last.
    """

    ROOT_PATHS = re.compile(r"^/v(?:1|1\.1|2)/[^/]+/(?:cloudservers|jobs)(?:/|$)")

    def __init__(self, cloud: Cloud | None = None, *, log_size: int = 1000) -> None:
        self.cloud = cloud if cloud is not None else Cloud()
        self.service: EcsService = self.cloud.service_state(DIALECT, lambda: EcsService(self.cloud))
        self.fleet = self.service.fleet
        self.jobs: Jobs = self.service.jobs
        self.log: collections.deque[tuple[str, str, int]] = collections.deque(maxlen=log_size)
        servers = r"/([^/]+)/cloudservers"
        table: list[tuple[str, dict[str, Callable[..., Reply]]]] = [
            (rf"^/v1(?:\.1)?{servers}/?$", {"POST": self._create}),
            (rf"^/v1{servers}/detail/?$", {"GET": self._list}),
            (rf"^/v1{servers}/delete/?$", {"POST": self._delete}),
            (rf"^/v1{servers}/action/?$", {"POST": self._batch_action}),
            (rf"^/v1(?:\.1)?{servers}/([^/]+)/resize/?$", {"POST": self._resize}),
            (rf"^/v[12]{servers}/([^/]+)/reinstallos/?$", {"POST": self._reinstall}),
            (rf"^/v[12]{servers}/([^/]+)/changeos/?$", {"POST": self._change_os}),
            (rf"^/v1{servers}/([^/]+)/os-reset-password/?$", {"PUT": self._reset_password}),
            (rf"^/v1{servers}/([^/]+)/?$", {"GET": self._show}),
            (r"^/v1/([^/]+)/jobs/([^/]+)/?$", {"GET": self._job}),
        ]
        self._routes = [(re.compile(pattern), methods) for pattern, methods in table]

    # -- WSGI ---------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request_id = uuid.uuid4().hex
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO", "") or "/")
        try:
            problem = signature_problem(headers_of(environ))
            if problem is not None:
                raise gateway_error(401, BAD_CREDENTIALS, f"Incorrect IAM authentication information: {problem}")
            status, body = self._dispatch(environ, method, path)
        except EcsError as exc:
            status, body = exc.status, exc.body(request_id)
        except JobRequestError as exc:  # Ecs.0100 / Ecs.0114 / Ecs.0118 from the job service
            status, body = exc.http_status, exc.body()
        except JobNotFoundError as exc:
            status, body = 404, EcsError(404, TASK_FAILED, exc.message).body(request_id)
        except InvalidStateError as exc:  # a synchronous call (reset password) refused by the model
            messages = self.fleet.dialect.messages
            status, body = messages.http_status, EcsError(400, messages.code, exc.message).body(request_id)
        except LifecycleError as exc:
            status, body = 400, bad_request(str(exc)).body(request_id)
        except Exception as exc:  # a fake must answer
            status = 500
            body = EcsError(500, TASK_FAILED, f"Unexpected API error. {type(exc).__name__}: {exc}").body(request_id)
        payload = b"" if body is None else json.dumps(body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        headers.append(("X-Request-Id", request_id))
        self.log.append((method, path, status))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [payload]

    def _dispatch(self, environ: Mapping[str, Any], method: str, path: str) -> Reply:
        for pattern, methods in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            handler = methods.get(method)
            if handler is None:
                break
            return handler(Request(environ), *match.groups())
        raise gateway_error(404, NO_SUCH_API, f"The API does not exist or has not been published: {method} {path}")

    # -- lookups ------------------------------------------------------------
    def _record(self, server_id: str) -> Record:
        """A live ECS (404 ``Ecs.0114`` for anything else, a Compute API server included)."""
        try:
            record = self.cloud.record(server_id)
        except ApiError:
            record = None
        if record is None or record.server.fleet is not self.fleet:
            raise EcsError(404, NOT_FOUND, f"ECS {server_id} not found")
        return record

    def _flavor(self, ref: object) -> Flavor:
        flavors = {**self.cloud.flavors, **{f.id: f for f in ECS_FLAVORS}}
        found = flavors.get(str(ref))
        if found is None:
            raise bad_request(f"flavorRef {ref!r} is not a flavor; valid choices: {', '.join(flavors)}")
        return found

    def _forget_gone(self, ids: list[str]) -> None:
        """Let the store drop servers already gone, so the job service answers 404 for them."""
        for server_id in ids:
            with contextlib.suppress(ApiError):
                self.cloud.record(server_id)

    # -- servers --------------------------------------------------------------
    def _create(self, request: Request, project_id: str) -> Reply:
        """``POST /v1.1/{project_id}/cloudservers`` (and v1): one job creating ``count`` ECSs (api-ecs/ecs_02_0101)."""
        body = request.json()
        spec = required_object(body, "server")
        if body.get("dry_run"):
            raise bad_request("dry_run is not modelled by the fake: send the request without it")
        for field in ("imageRef", "flavorRef", "name", "vpcid", "nics", "root_volume"):  # [doc] the required ones
            required(spec, field, "server")
        flavor = self._flavor(spec["flavorRef"])
        name = required_string(spec, "name", "server")
        vpc = required_string(spec, "vpcid", "server")
        if not isinstance(spec["nics"], list) or not spec["nics"]:
            raise bad_request("server.nics must be a non-empty list of {subnet_id}")
        extend = optional_object(spec, "extendparam", "server")
        if str(extend.get("chargingMode", "postPaid")) in ("prePaid", "1"):
            raise bad_request("chargingMode prePaid (yearly/monthly, paid by order) is not modelled: use postPaid")
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int):
            raise bad_request(f"server.count must be an integer (got {count!r})")
        metadata = optional_object(spec, "metadata", "server")
        for field in ("key_name", "description", "availability_zone", "adminPass"):
            if not isinstance(spec.get(field, ""), str | None):
                raise bad_request(f"server.{field} must be a string (got {spec[field]!r})")
        server_tags = spec.get("server_tags") or []
        if not isinstance(server_tags, list) or not all(
            isinstance(t, dict) and isinstance(t.get("key"), str) for t in server_tags
        ):
            raise bad_request(f'server.server_tags must be a list of {{"key", "value"}} (got {server_tags!r})')
        tags = [f"{t['key']}={t.get('value', '')}" for t in server_tags]
        job = self.jobs.create(count, name=name)
        ids = [sub.server_id for sub in job.sub_jobs]
        for n, server_id in enumerate(ids, 1):
            server = self.fleet.get(server_id)
            if count > 1:  # [inf] Huawei suffixes the names of a multi-ECS request
                server.name = f"{name}-{n:04d}"
            record = self.cloud.register(
                server,
                flavor,
                image_id=str(spec["imageRef"]),
                networks=[{"uuid": vpc}],
                # [inf] keys Huawei's ServerDetail examples carry in metadata
                metadata={
                    "charging_mode": "0",
                    "vpc_id": vpc,
                    "metering.image_id": str(spec["imageRef"]),
                    **{str(k): str(v) for k, v in metadata.items()},
                },
                key_name=spec.get("key_name"),
                description=spec.get("description"),
                tags=tags,
                availability_zone=str(spec.get("availability_zone") or "nova"),
                admin_pass=str(spec.get("adminPass") or secrets.token_urlsafe(9)),
            )
            self.service.adopt(record)
        return 200, {"job_id": job.job_id, "serverIds": ids}

    def _show(self, request: Request, project_id: str, server_id: str) -> Reply:
        record = self._record(server_id)
        return 200, {"server": self.cloud.read(record, lambda r: server_detail(r, project_id))}

    def _list(self, request: Request, project_id: str) -> Reply:
        """``GET /v1/{project_id}/cloudservers/detail``: filters ``name`` (part of it), ``status``, ``flavor``."""
        records = [r for r in self.cloud.records() if r.server.fleet is self.fleet]
        name, status, flavor = request.first("name"), request.first("status"), request.first("flavor")
        if status is not None:
            valid = [s.value for s in self.fleet.dialect.statuses]
            if status not in valid:
                raise bad_request(f"status {status!r} is not an ECS status; valid choices: {', '.join(valid)}")
            records = [r for r in records if (r.server.status is not None and r.server.status.value == status)]
        if name is not None:
            records = [r for r in records if name in r.server.name]
        if flavor is not None:
            records = [r for r in records if r.flavor.id == flavor]
        limit = request.integer("limit", _LIST_LIMIT, 1, _LIST_MAX)
        page = request.integer("offset", 1, 1, None)
        chosen = records[(page - 1) * limit : page * limit]
        servers = self.cloud.read_many(chosen, lambda r: server_detail(r, project_id))
        return 200, {"count": len(records), "servers": servers}

    def _delete(self, request: Request, project_id: str) -> Reply:
        """``POST /v1/{project_id}/cloudservers/delete``: a batch job (``api-ecs/ecs_02_0103``)."""
        body = request.json()
        if not isinstance(body, dict):
            raise bad_request("the body must be an object with 'servers'")
        for flag in ("delete_publicip", "delete_volume"):
            if not isinstance(body.get(flag, False), bool):
                raise bad_request(f"{flag} must be true or false (got {body[flag]!r})")
        job = self._submit("delete", server_ids(body, "body"))
        return 200, {"job_id": job.job_id}

    def _batch_action(self, request: Request, project_id: str) -> Reply:
        """``POST /v1/{project_id}/cloudservers/action``: ``os-start``, ``os-stop`` or ``reboot`` of up to 1000 ECSs."""
        body = request.json()
        actions = ("os-start", "os-stop", "reboot")
        if not isinstance(body, dict) or len(body) != 1 or next(iter(body)) not in actions:
            keys = list(body) if isinstance(body, dict) else body
            raise bad_request(f"the body must have exactly one of {', '.join(actions)} (got {keys!r})")
        key = next(iter(body))
        args = required_object(body, key)
        ids = server_ids(args, key)
        if key == "os-start":
            operation = "start"
        else:
            kind = args.get("type", "SOFT" if key == "os-stop" else None)
            if kind not in _POWER_TYPES:
                raise bad_request(f"{key}.type must be one of {', '.join(_POWER_TYPES)} (got {kind!r})")
            # [inf] os-stop HARD walks the same rows as SOFT (huawei_ecs.py, stop)
            operation = "stop" if key == "os-stop" else ("hard_reboot" if kind == "HARD" else "reboot")
        return 200, {"job_id": self._submit(operation, ids).job_id}

    def _resize(self, request: Request, project_id: str, server_id: str) -> Reply:
        """``POST /v1.1/{project_id}/cloudservers/{id}/resize`` (``api-ecs/ecs_02_0210``; v1 too)."""
        body = request.json()
        if isinstance(body, dict) and body.get("dry_run"):
            raise bad_request("dry_run is not modelled by the fake: send the request without it")
        args = required_object(body, "resize")
        required(args, "flavorRef", "resize")
        optional_object(args, "extendparam", "resize")
        mode = args.get("mode")
        if mode not in (None, _STOP_SERVER):
            raise bad_request(f"resize.mode must be {_STOP_SERVER!r} or absent (got {mode!r})")
        flavor = self._flavor(args["flavorRef"])
        record = self._record(server_id)
        if flavor.id == record.flavor.id:
            raise EcsError(400, FLAVOR_UNCHANGED, "Another flavor must be used for resizing")
        # withStopServer: a running ECS is stopped, resized and started in one job; a stopped one is just resized.
        with_stop = mode == _STOP_SERVER and record.server.may("resize_with_stop")
        self.service.resize_to(record, flavor)
        try:
            job = self._submit("resize_with_stop" if with_stop else "resize", [record.id])
        except JobRequestError:
            self.service.resize_to(record, None)
            raise
        if job.failed:
            self.service.resize_to(record, None)
        return 200, {"job_id": job.job_id}

    def _rebuild(
        self, request: Request, server_id: str, key: str, operation: str
    ) -> tuple[Record, dict[str, Any], str]:
        """The record, the arguments and the operation to run: ``withStopServer`` makes a running ECS's one composite.

        [doc] api-ecs/ecs_02_0203 / _0204: with ``mode=withStopServer`` a running
        ECS is accepted and stopped first (``<operation>_with_stop`` in the dialect);
        a stopped one is just reinstalled, as without the mode.
        """
        args = required_object(request.json(), key)
        mode = args.get("mode")
        if mode not in (None, _STOP_SERVER):
            raise bad_request(f"{key}.mode must be {_STOP_SERVER!r} or absent (got {mode!r})")
        optional_object(args, "metadata", key)
        record = self._record(server_id)
        with_stop = mode == _STOP_SERVER and record.server.may(f"{operation}_with_stop")
        return record, args, f"{operation}_with_stop" if with_stop else operation

    def _reinstall(self, request: Request, project_id: str, server_id: str) -> Reply:
        """``POST /v2/{project_id}/cloudservers/{id}/reinstallos`` (``os-reinstall``; v1 too)."""
        record, args, operation = self._rebuild(request, server_id, "os-reinstall", "reinstall_os")
        job = self._submit(operation, [record.id])
        _set_credentials(record, args)
        return 200, {"job_id": job.job_id}

    def _change_os(self, request: Request, project_id: str, server_id: str) -> Reply:
        """``POST /v2/{project_id}/cloudservers/{id}/changeos`` (``os-change`` with ``imageid``; v1 too)."""
        record, args, operation = self._rebuild(request, server_id, "os-change", "change_os")
        image = required_string(args, "imageid", "os-change")
        job = self._submit(operation, [record.id])
        record.image_id = image
        record.metadata["metering.image_id"] = image
        _set_credentials(record, args)
        return 200, {"job_id": job.job_id}

    def _reset_password(self, request: Request, project_id: str, server_id: str) -> Reply:
        """``PUT /v1/{project_id}/cloudservers/{id}/os-reset-password``: synchronous, 204 (``api-ecs/ecs_02_0306``)."""
        args = required_object(request.json(), "reset-password")
        password = required_string(args, "new_password", "reset-password")
        record = self._record(server_id)
        self.cloud.perform(record, "reset_password")
        record.admin_pass = password
        return 204, None

    def _submit(self, operation: str, ids: list[str]) -> Job:
        self._forget_gone(ids)
        return self.jobs.submit(operation, ids)

    # -- jobs -----------------------------------------------------------------
    def _job(self, request: Request, project_id: str, job_id: str) -> Reply:
        """``GET /v1/{project_id}/jobs/{job_id}`` (``api-ecs/ecs_02_0901``); a read lets an instant cloud move on."""
        job = self.jobs.get(job_id)
        body = job.as_dict()
        for sub in job.sub_jobs:
            if not sub.status.finished:
                try:
                    server: FleetServer = self.fleet.get(sub.server_id)
                except ServerNotFoundError:
                    continue
                self.cloud.step_soon(server)
        return 200, body


def _set_credentials(record: Record, args: Mapping[str, Any]) -> None:
    if isinstance(args.get("adminpass"), str):
        record.admin_pass = args["adminpass"]
    if isinstance(args.get("keyname"), str):
        record.key_name = args["keyname"]
