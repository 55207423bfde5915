"""Serving the explorer: a local web server, one page per browser tab, every file from this machine.

Bokeh's and Panel's scripts and stylesheets are served by the server itself (Bokeh's "server"
resources; Panel's own from its package), never from a CDN, and the page uses no template that would
fetch fonts or icons: the explorer works with no network at all. It listens on 127.0.0.1 unless told
otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def page_factory(scenario: str | Path) -> Callable[[], Any]:
    """Load and run ``scenario`` once (a bad file raises :class:`ScenarioError` here, before any page is
    served); each page then starts from that run as its reference, with nothing set."""
    from sim.explorer.app import Explorer
    from sim.explorer.session import Session

    session = Session.from_file(scenario)
    reference = session.run(session.original)

    def page() -> Any:
        return Explorer(session.fresh(), reference).view

    return page


def free_port(host: str) -> int:
    """A port no one listens on at ``host`` now (the system's choice)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve(
    scenario: str | Path, port: int = 5006, host: str = "127.0.0.1", show: bool = False, ready: Callable[[str], None] | None = None
) -> None:
    """Serve the explorer of ``scenario`` at http://HOST:PORT/ until interrupted (``port`` 0: any free port).
    ``ready(url)`` is called once the server listens; ``show`` opens the page in the default browser."""
    os.environ["BOKEH_RESOURCES"] = "server"  # Bokeh's scripts from this server, whatever the environment says
    import panel as pn

    page = page_factory(scenario)
    port = port or free_port(host)
    # the page's websocket is accepted only from the page's own address (any, when listening on all)
    origins = ["*"] if host in WILDCARD_HOSTS else [f"{host}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    server = pn.serve(
        {"/": page},
        port=port,
        address=host or None,
        websocket_origin=origins,
        show=False,
        start=False,
        title=f"supplysim explorer: {Path(scenario).stem}",
        verbose=False,
    )
    server.start()
    url = f"http://{'127.0.0.1' if host in WILDCARD_HOSTS else host}:{server.port}/"
    if ready is not None:
        ready(url)
    if show:
        server.io_loop.add_callback(lambda: server.show("/"))
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
