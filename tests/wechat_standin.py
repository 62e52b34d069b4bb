"""A local stand-in for WeChat's official-account API (token and template messages), for the
tests of kit.wechat and of the WeChat notification channel. A real HTTP server on 127.0.0.1 and
a free port; it records every token request and message."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class WechatApi:
    """GET /cgi-bin/token and POST /cgi-bin/message/template/send, as WeChat answers them.
    `errcodes` are the answers to the next sends (then 0); `http_errors` are HTTP statuses
    the next sends get instead of an answer."""

    def __init__(self):
        self.tokens_issued: list[str] = []
        self.token_params: list[dict] = []
        self.messages: list[dict] = []
        self.rejected: list[dict] = []
        self.errcodes: list[int] = []
        self.http_errors: list[int] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def reply(self, data: dict):
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path != "/cgi-bin/token":
                    return self.reply({"errcode": 40066, "errmsg": "invalid url"})
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                api.token_params.append(params)
                token = f"token-{len(api.tokens_issued) + 1}"
                api.tokens_issued.append(token)
                self.reply({"access_token": token, "expires_in": 7200})

            def do_POST(self):
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if api.http_errors:
                    self.send_response(api.http_errors.pop(0))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if url.path != "/cgi-bin/message/template/send":
                    return self.reply({"errcode": 40066, "errmsg": "invalid url"})
                if not api.tokens_issued or params.get("access_token") != api.tokens_issued[-1]:
                    api.rejected.append(body)
                    return self.reply({"errcode": 40001, "errmsg": "invalid credential"})
                errcode = api.errcodes.pop(0) if api.errcodes else 0
                if errcode:
                    api.rejected.append(body)
                    return self.reply({"errcode": errcode, "errmsg": f"error {errcode}"})
                api.messages.append(body)
                self.reply({"errcode": 0, "errmsg": "ok", "msgid": 200228332})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
