"""A third emulated API, for tests only: proof that an API is one folder.

``OAuthApi`` (``api.py``) registers through the public registry
(:mod:`authmock.apis`) and edits no shared module; ``test_contract.py``
runs its HTTP contract in every mode, with faults, the journal, the admin
API and the served OpenAPI document.
"""
