"""The ways into the engine: requests and httpx in-process, the live server."""
