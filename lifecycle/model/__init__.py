"""The lifecycle as data, and what is compiled from it.

The pipeline, in order: the vocabulary (``states``, ``settings``) and the declaration
format (``spec``); one declaration per cloud (``dialects/``); ``blueprint`` expands a
declaration under some settings into states and edges and checks it; ``machine``
builds the `transitions` machine and ``table`` the compiled rows from that blueprint.
``status`` maps (vm_state, task_state) to the API status; ``nodes`` names table nodes.
Everything in :mod:`lifecycle.simulate` and :mod:`lifecycle.validate` uses these.
See docs/model.md.
"""

from __future__ import annotations
