"""The web front end: page shells, the static assets they load, and their security headers.

``routes.py`` serves the pages (``/`` replay browser, ``/replays/{id}`` player, ``/s/{token}``
public viewer) and ``/static``; ``pages.py`` renders the HTML shells (config as ``data-*``
attributes, no inline script or style); ``csp.py`` puts the Content-Security-Policy on every
HTML answer. See docs/web.md.
"""
