# Root conftest: keeps the repository's own tests importable from a checkout.
# The pytest plugin itself is registered by the installed package (pytest11).
