"""Huawei Cloud ECS's native API in the fake (``/v1``, ``/v1.1``, ``/v2`` under ``/ecs`` and at the root).

:class:`~lifecycle.api.huawei.app.EcsApp` serves the ``cloudservers`` and
``jobs`` paths of the ECS API reference over the shared
:class:`~lifecycle.api.cloud.Cloud`, so Huawei's own Python SDK
(``huaweicloudsdkecs``) drives ``huawei-ecs`` servers that the Compute API shows
too. See docs/huawei-ecs.md, "The native API in the fake".
"""

from __future__ import annotations
