"""The ways in: how a client's request reaches the one WSGI engine
(:class:`authmock.http.app.App`) and how its answer, or a connection fault,
comes back as that client would see it over the network.

In-process (no socket; the request becomes a WSGI environ, ``wsgi_call``):

- ``requests_mode``: ``requests`` (and ``responses``) through urllib3, with an
  engine-backed connection pool below the session's mounted adapter;
- ``httpx_mode``: ``httpx`` sync and async transports, and interception of
  clients created while a mock is active;
- ``interception``: what those two share, the patching of a client library
  while any mock is active (``ClientPatch``) and one mock's claim on its hosts
  (``Interceptor``); a new in-process way (aiohttp, bare urllib3) is a
  ``ClientPatch`` of a few methods plus an ``Interceptor``;
- ``network``: the refusal of non-loopback traffic under ``allow_network=False``.

Over a socket: ``server`` (werkzeug's threaded server with keep-alive and the
socket-level faults), ``gate`` (the first-come, first-served turns of its
requests), ``granian_server`` (the extra ``granian``, for load tests), ``tls``
(certificates for ``https`` serving).

Endpoint logic, auth, faults and the journal live in the engine, never here.
"""
