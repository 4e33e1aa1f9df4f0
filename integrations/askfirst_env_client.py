"""A small client for `askfirst env serve` (OpenEnv's wire protocol), its stateless `POST /reset` and
`POST /step` (an episode replayed from its earlier replies; no session kept) and its OpenRLHF reward endpoint.

Standard library plus `websockets` (Debian 12's python3-websockets 10.4, legacy asyncio API;
newer releases keep it). It speaks the same JSON as OpenEnv's `EnvClient`
(meta-pytorch/OpenEnv, src/openenv/core/env_client.py): `{"type": "reset"|"step"|"state"|"close",
"data": ...}` over one WebSocket per session; responses `{"type": "observation"|"state"|"error",
"data": ...}`. OpenEnv's own client works against the server too; this one exists so the
recipes and tests need nothing but the standard library and websockets.

    with AskfirstEnv("http://127.0.0.1:8000") as env:
        r = env.reset(episode_id="occlusion-0003")
        while not r.done:
            r = env.step(my_vlm(r.observation["messages"]))
        print(r.observation["outcome"], r.reward)
"""
from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Optional

import websockets


class AskfirstEnvError(RuntimeError):
    """The server answered with an error, or the connection to it was lost."""

    def __init__(self, message: str, code: str = "CONNECTION", data: Optional[dict] = None):
        super().__init__(message)
        self.code = code
        self.data = data or {}


def close_code(e: "websockets.exceptions.ConnectionClosed") -> tuple:
    """(code, reason) of a closed connection: the close frame received (`e.rcvd`, websockets 10 and later,
    where `e.code` / `e.reason` are deprecated since 13.1), 1006 when none came (the connection dropped);
    `e.code` only on releases before 10, which have no `rcvd`."""
    if not hasattr(e, "rcvd"):
        return e.code, e.reason
    return (1006, "") if e.rcvd is None else (e.rcvd.code, e.rcvd.reason)


@dataclass
class StepResult:
    observation: dict
    reward: Optional[float]
    done: bool
    raw: dict = field(default_factory=dict, repr=False)


def ws_url(base_url: str) -> str:
    """The session URL of a base URL, as OpenEnv's `convert_to_ws_url` + "/ws" (a bare host:port is ws://)."""
    u = base_url.rstrip("/")
    if u.startswith("http://"):
        u = "ws://" + u[len("http://"):]
    elif u.startswith("https://"):
        u = "wss://" + u[len("https://"):]
    elif not u.startswith(("ws://", "wss://")):
        u = "ws://" + u
    return u + "/ws"


class AsyncAskfirstEnv:
    """One environment session over one WebSocket (asyncio)."""

    def __init__(self, base_url: str, message_timeout_s: float = 60.0, max_message_mb: float = 100.0):
        self.base_url = base_url
        self.url = ws_url(base_url)
        self.timeout = message_timeout_s
        self.max_size = int(max_message_mb * 1024 * 1024)
        self._ws = None

    async def connect(self) -> "AsyncAskfirstEnv":
        if self._ws is None:
            try:
                self._ws = await websockets.connect(self.url, max_size=self.max_size, open_timeout=self.timeout, ping_interval=None)
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as e:
                raise AskfirstEnvError(f"cannot connect to askfirst env server at {self.url}: {e} (is `askfirst env serve` running?)") from e
        return self

    async def send_raw(self, text: str) -> dict:
        """Send one text frame and wait for the answer (tests use it for malformed messages)."""
        await self.connect()
        try:
            await self._ws.send(text)
            raw = await asyncio.wait_for(self._ws.recv(), timeout=self.timeout)
        except websockets.exceptions.ConnectionClosed as e:
            code, reason = close_code(e)
            raise AskfirstEnvError(
                f"askfirst env server at {self.url} closed the connection (code {code}{', ' + reason if reason else ''}); "
                "the server stopped or the session was closed — restart it / reconnect and reset",
                code="CONNECTION_CLOSED",
            ) from e
        except asyncio.TimeoutError as e:
            raise AskfirstEnvError(f"no answer from {self.url} within {self.timeout} s", code="TIMEOUT") from e
        except OSError as e:
            raise AskfirstEnvError(f"connection to {self.url} failed: {e}") from e
        return json.loads(raw)

    async def _call(self, message: dict) -> dict:
        resp = await self.send_raw(json.dumps(message))
        if resp.get("type") == "error":
            d = resp.get("data", {})
            raise AskfirstEnvError(f"server error: {d.get('message', 'unknown error')} (code: {d.get('code', 'UNKNOWN')})", code=d.get("code", "UNKNOWN"), data=d)
        return resp

    async def reset(self, **kwargs: Any) -> StepResult:
        d = (await self._call({"type": "reset", "data": kwargs}))["data"]
        return StepResult(d["observation"], d.get("reward"), d.get("done", False), d)

    async def step(self, reply: str) -> StepResult:
        d = (await self._call({"type": "step", "data": {"reply": reply}}))["data"]
        return StepResult(d["observation"], d.get("reward"), d.get("done", False), d)

    async def state(self) -> dict:
        return (await self._call({"type": "state"}))["data"]

    async def close(self) -> None:
        if self._ws is not None:
            try:
                await self._ws.send(json.dumps({"type": "close"}))
            except Exception:
                pass
            try:
                await self._ws.close()
            except Exception:
                pass
            self._ws = None

    async def __aenter__(self) -> "AsyncAskfirstEnv":
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()


_LOOP: Optional[asyncio.AbstractEventLoop] = None
_LOOP_LOCK = threading.Lock()


def _background_loop() -> asyncio.AbstractEventLoop:
    """One event loop on a daemon thread for every blocking client, so they work inside code that already runs a loop."""
    global _LOOP
    with _LOOP_LOCK:
        if _LOOP is None:
            _LOOP = asyncio.new_event_loop()
            threading.Thread(target=_LOOP.run_forever, name="askfirst-env-client", daemon=True).start()
        return _LOOP


class AskfirstEnv:
    """The same session with plain (blocking) methods, run on a shared background event loop."""

    def __init__(self, base_url: str, **kwargs: Any):
        self._env = AsyncAskfirstEnv(base_url, **kwargs)

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, _background_loop()).result()

    def connect(self) -> "AskfirstEnv":
        self._run(self._env.connect())
        return self

    def reset(self, **kwargs: Any) -> StepResult:
        return self._run(self._env.reset(**kwargs))

    def step(self, reply: str) -> StepResult:
        return self._run(self._env.step(reply))

    def state(self) -> dict:
        return self._run(self._env.state())

    def close(self) -> None:
        self._run(self._env.close())

    def __enter__(self) -> "AskfirstEnv":
        return self.connect()

    def __exit__(self, *exc) -> None:
        self.close()


def http_url(base_url: str) -> str:
    """The HTTP base of a base URL (ws(s) becomes http(s), a bare host:port gets http://), for the stateless routes."""
    u = base_url.rstrip("/")
    if u.startswith("ws://"):
        return "http://" + u[len("ws://"):]
    if u.startswith("wss://"):
        return "https://" + u[len("wss://"):]
    if not u.startswith(("http://", "https://")):
        return "http://" + u
    return u


def stateless_reset(base_url: str, **kwargs: Any) -> StepResult:
    """POST /reset: the first observation of an episode (`episode_id`, `mode`, ...); the server keeps no session."""
    d = _http_json(http_url(base_url) + "/reset", kwargs)
    return StepResult(d["observation"], d.get("reward"), d.get("done", False), d)


def stateless_step(base_url: str, episode_id: str, history: list, reply: str, mode: Optional[str] = None) -> StepResult:
    """POST /step: a fresh environment replays `episode_id` with the earlier replies `history`, then steps `reply`
    (the same transitions and rewards as a session's steps); the server keeps no session."""
    body: dict = {"action": {"reply": reply}, "episode_id": episode_id, "history": list(history)}
    if mode is not None:
        body["mode"] = mode
    d = _http_json(http_url(base_url) + "/step", body)
    return StepResult(d["observation"], d.get("reward"), d.get("done", False), d)


def view_as_text(observation: dict) -> str:
    """An observation told in words (for trainers whose feedback channel carries no image): the view moved to, the turn, the prompt."""
    o = observation
    return f"You now see view {o['view']} (turn {o['turn'] + 1} of at most {o['max_turns']}).\n{o['prompt']}"


def _http_json(url: str, body: Optional[dict] = None, timeout: float = 180.0) -> dict:
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        detail = e.read().decode("utf-8", "replace")
        raise AskfirstEnvError(f"{url}: HTTP {e.code}: {detail}", code=f"HTTP_{e.code}") from e
    except urllib.error.URLError as e:
        raise AskfirstEnvError(f"cannot reach {url}: {e.reason} (is `askfirst env serve` running?)") from e


def health(base_url: str) -> dict:
    return _http_json(base_url.rstrip("/") + "/health")


def get_rewards(base_url: str, queries: list, prompts: list, labels: list) -> dict:
    """OpenRLHF's remote reward request: {query, prompts, labels} → {rewards, scores, extra_logs}."""
    return _http_json(base_url.rstrip("/") + "/get_reward", {"query": queries, "prompts": prompts, "labels": labels})
