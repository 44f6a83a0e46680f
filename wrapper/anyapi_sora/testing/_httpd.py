"""A ThreadingHTTPServer that can be stopped without leaving threads or sockets behind."""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
from http.server import ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._handler import ServerContext

logger = logging.getLogger("anyapi_sora.testing")


class TrackingHTTPServer(ThreadingHTTPServer):
    """One daemon thread per connection, each tracked so `close_connections` can end them.

    The stdlib server only joins its threads on close, and a keep-alive connection that the
    client leaves open blocks its thread in recv() forever; so open sockets are shut down
    first to wake those threads.
    """

    daemon_threads = True
    block_on_close = False
    # Hundreds of clients connect at once in load tests; the default of 5 drops SYNs and
    # the retransmit costs them a second each.
    request_queue_size = 2048
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: Any, context: ServerContext) -> None:
        self.context = context
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        # serve_forever() notices shutdown only every poll interval, which would add that
        # much to every test's teardown; a socket pair wakes the accept loop at once.
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, handler)

    def serve_until_stopped(self) -> None:
        """Accept connections until `context.stopping` is set and `wake()` called."""
        # Non-blocking, so a client that resets between select() and accept() can't stall us.
        self.socket.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self.context.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self.context.stopping.is_set():
                        self._accept()

    def _accept(self) -> None:
        try:
            request, client_address = self.get_request()
        except OSError:  # BlockingIOError: the client gave up between select and accept
            return
        try:
            self.process_request(request, client_address)
        except Exception:  # e.g. no thread could be started: drop this one, keep serving
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"anyapi-mock-conn-{client_address[1]}",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-response are business as usual here (timeouts, cuts);
        # the stdlib would print a traceback to stderr for each.
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self, timeout: float) -> list[threading.Thread]:
        """Shut down every open connection and wait for its thread; returns threads still alive."""
        with self._connections_lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            # OSError: its own thread closed it meanwhile.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        stuck = []
        for _, thread in connections:
            thread.join(timeout)
            if thread.is_alive():
                stuck.append(thread)
        return stuck
