#!/usr/bin/env python3
"""A static file server on 127.0.0.1 for ADD <url> tests: serves DIR, sends each file's
mtime as Last-Modified (http.server does), prints its port to READY_FILE and runs until
stdin closes. Requests are logged to DIR/../requests.log, one path a line."""
import argparse
import functools
import http.server
import sys
import threading


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--ready", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *rest):
            with open(args.log, "a") as log:
                log.write(self.path + "\n")

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=args.dir))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(args.ready, "w") as ready:
        ready.write(str(server.server_address[1]))
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
