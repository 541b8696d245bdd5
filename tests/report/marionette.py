"""Debian's Firefox ESR driven headless over Marionette, its own remote protocol, with a fresh profile that cannot reach any network.

Marionette is the protocol geckodriver speaks to Firefox (`firefox --marionette`): length-
prefixed JSON over a local TCP socket, `[0, id, command, parameters]` answered by
`[1, id, error, result]`, with the WebDriver commands under their own names
(https://firefox-source-docs.mozilla.org/testing/marionette/Protocol.html). No geckodriver is
needed (none is packaged for Debian, and its releases cannot be downloaded here), nor any
browser build of Playwright's own.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

__all__ = ["FIREFOX", "Firefox", "MarionetteError"]

FIREFOX = Path("/usr/bin/firefox-esr")

# A profile that loads nothing from anywhere: every proxy is a closed local port, DNS is off,
# and the browser's own traffic (updates, telemetry, safe browsing, remote settings, captive
# portal and connectivity checks) is off, so any request made is the page's and fails.
_PREFS = {
    "marionette.port": 0,  # any free port, written to the profile's MarionetteActivePort
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.socks": "127.0.0.1",
    "network.proxy.socks_port": 9,
    "network.proxy.socks_remote_dns": True,
    "network.proxy.no_proxies_on": "",
    "network.proxy.allow_hijacking_localhost": True,
    "network.dns.disabled": True,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.native_https_query": False,
    "network.trr.mode": 5,
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
}

# Chrome-context script: record every HTTP(S) channel the browser opens from now on
_WATCH = """
if (!window.crossfenceRequests) {
  window.crossfenceRequests = [];
  Services.obs.addObserver({ observe(subject) {
    const channel = subject.QueryInterface(Ci.nsIChannel);
    window.crossfenceRequests.push(channel.URI.spec);
  } }, "http-on-modify-request");
}
"""

# Chrome-context script: forget the requests and console messages recorded so far
_RESET = """
window.crossfenceRequests = [];
Services.console.reset();
Cc["@mozilla.org/consoleAPI-storage;1"].getService(Ci.nsIConsoleAPIStorage).clearEvents();
"""

# Chrome-context script: the errors the page made, from the console service (script errors,
# Content-Security-Policy refusals) and the console API storage (console.error)
_ERRORS = """
const url = arguments[0], errors = [];
for (const m of Services.console.getMessageArray() || []) {
  if (!(m instanceof Ci.nsIScriptError)) continue;
  if (m.flags & (Ci.nsIScriptError.warningFlag | Ci.nsIScriptError.infoFlag)) continue;
  if (!m.innerWindowID && !(m.sourceName || "").startsWith(url)) continue;
  errors.push(`${m.category}: ${m.errorMessage} (${m.sourceName}:${m.lineNumber})`);
}
const storage = Cc["@mozilla.org/consoleAPI-storage;1"].getService(Ci.nsIConsoleAPIStorage);
for (const event of storage.getEvents()) {
  if (event.level === "error" && (event.filename || "").startsWith(url)) {
    errors.push("console.error: " + JSON.stringify(event.arguments));
  }
}
return errors;
"""

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class MarionetteError(Exception):
    """An error Firefox answered a command with."""


class Firefox:
    """One headless Firefox with a fresh offline profile and a Marionette session."""

    def __init__(self, profile: Path, width: int = 1600, height: int = 1000) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        (profile / "user.js").write_text(
            "".join(f'user_pref("{k}", {json.dumps(v)});\n' for k, v in _PREFS.items()),
            encoding="utf-8",
        )
        self.profile = profile
        self.log = (profile / "firefox.log").open("wb")
        self.process = subprocess.Popen(
            [
                str(FIREFOX),
                "--headless",
                "--marionette",
                "--remote-allow-system-access",  # the chrome context (requests, console)
                "--no-remote",
                "--profile",
                str(profile),
                "about:blank",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.next_id = 0
        try:
            self.socket = self._connect()
            self.command("WebDriver:NewSession", {"capabilities": {}})
            self.command("WebDriver:SetWindowRect", {"width": width, "height": height})
            self.chrome(_WATCH)
        except BaseException:  # no browser left running behind a failed start
            self.process.kill()
            self.process.wait()
            self.log.close()
            raise

    def _connect(self) -> socket.socket:
        port_file = self.profile / "MarionetteActivePort"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MarionetteError(f"firefox exited ({self.process.returncode})")
            if port_file.exists() and port_file.read_text().strip():
                self.socket = socket.create_connection(
                    ("127.0.0.1", int(port_file.read_text())), timeout=120
                )
                self.buffer = b""
                self._receive()  # the handshake: {"applicationType": "gecko", ...}
                return self.socket
            time.sleep(0.2)
        raise MarionetteError("firefox did not open its Marionette port in 90 s")

    def _receive(self) -> Any:
        while b":" not in self.buffer:
            self.buffer += self._read()
        length, _, rest = self.buffer.partition(b":")
        self.buffer = rest
        while len(self.buffer) < int(length):
            self.buffer += self._read()
        message, self.buffer = self.buffer[: int(length)], self.buffer[int(length) :]
        return json.loads(message)

    def _read(self) -> bytes:
        chunk = self.socket.recv(1 << 16)
        if not chunk:
            raise MarionetteError("Marionette closed the connection")
        return chunk

    def command(self, name: str, parameters: dict[str, Any] | None = None) -> Any:
        """Send one command; its result, or MarionetteError with Firefox's message."""
        self.next_id += 1
        body = json.dumps([0, self.next_id, name, parameters or {}]).encode()
        self.socket.sendall(str(len(body)).encode() + b":" + body)
        while True:
            kind, number, error, result = self._receive()
            if kind == 1 and number == self.next_id:
                break
        if error:
            raise MarionetteError(f"{name}: {error.get('error')}: {error.get('message')}")
        return result.get("value") if isinstance(result, dict) else result

    def run(self, script: str, *args: Any) -> Any:
        """A function body run in the page (`return ...`)."""
        return self.command("WebDriver:ExecuteScript", {"script": script, "args": list(args)})

    def chrome(self, script: str, *args: Any) -> Any:
        """A function body run with the browser's privileges."""
        self.command("Marionette:SetContext", {"value": "chrome"})
        try:
            return self.run(script, *args)
        finally:
            self.command("Marionette:SetContext", {"value": "content"})

    def navigate(self, url: str) -> None:
        """Open a page; the requests and errors recorded so far are forgotten first."""
        self.chrome(_RESET)
        self.command("WebDriver:Navigate", {"url": url})

    def find(self, selector: str) -> str:
        found = self.command("WebDriver:FindElement", {"using": "css selector", "value": selector})
        return str(found[ELEMENT])

    def click(self, selector: str) -> None:
        """A real click (WebDriver's: scrolled into view, on the element's centre)."""
        self.command("WebDriver:ElementClick", {"id": self.find(selector)})

    def text(self, selector: str) -> str:
        return str(self.command("WebDriver:GetElementText", {"id": self.find(selector)}))

    def screenshot(self, path: Path) -> None:
        import base64

        data = self.command("WebDriver:TakeScreenshot", {"full": False, "hash": False})
        path.write_bytes(base64.b64decode(data))

    def requests(self) -> list[str]:
        """Every HTTP(S) request the browser made since the page was opened."""
        return list(self.chrome("return window.crossfenceRequests || [];"))

    def errors(self, url: str) -> list[str]:
        """The errors of the page at `url` (and of any content) since it was opened."""
        return list(self.chrome(_ERRORS, url))

    def close(self) -> None:
        with contextlib.suppress(MarionetteError, OSError):
            self.command("Marionette:Quit", {"flags": ["eForceQuit"]})
        self.socket.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def available() -> str | None:
    """Why Firefox cannot be driven here, or None."""
    if not FIREFOX.exists() or shutil.which(str(FIREFOX)) is None:
        return f"{FIREFOX} is missing (apt-get install firefox-esr; make test does it as root)"
    return None
