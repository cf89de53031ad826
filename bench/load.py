#!/usr/bin/env python3
"""Load benchmark: the server's own cost per interaction, latency under concurrent clients, event-file memory.

    .venv/bin/python bench/load.py [--clients 1,5,10,15] [--rounds 20] [--readme]

Part 1, the server (``python -m mapapp serve``, as the README runs it), driven by raw websocket clients
that speak Streamlit's protocol (BackMsg/ForwardMsg protobufs) the way the page does: a first run,
then widget changes. Each interaction is a rerun with one changed widget, as the browser sends it:

- toggle: the highways checkbox (a rerun of the map's fragment only, with its fragment id);
- date change: the sidebar date (a full rerun);
- select a place: the sidebar picker (a full rerun; a click on the map reruns the same way).

For one client: the server's CPU time per interaction (``/proc/<pid>/stat`` before and after a batch of
``--rounds`` reruns of that interaction, divided by their number: the clock ticks are 10 ms) and the
bytes it sends. For 1, 5, 10 and 15 clients at once, each doing date changes in a
loop: the median and p90 time from the message sent to the run finished. Loopback only, bounded.

Part 2, event files (``--events-sizes``): rows per second and peak RSS of reading (and checking) an
ACLED CSV of 100,000 and 1,000,000 good rows and of 1,000,000 bad rows (one cell each), each in a
fresh process (``bench/fresh.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from bench.fresh import run_fresh  # noqa: E402
from mapapp import settings  # noqa: E402
from mapapp.events import synthetic  # noqa: E402
from tests import driver  # noqa: E402

README = ROOT / "README.md"
MARK_START, MARK_END = "<!-- load:start -->", "<!-- load:end -->"
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
DAYS = ("2020-02-10", "2020-02-27")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS


class Client:
    """One browser tab, as the server sees it: a websocket that sends reruns and reads the page's deltas."""

    def __init__(self, url: str):
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.widgets: dict[str, tuple[str, str]] = {}  # widget id -> (element type, fragment id)
        self.received = 0

    async def __aenter__(self):
        import websockets

        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def rerun(self, states: list[WidgetState] | None = None, fragment_id: str = "") -> float:
        """Send a rerun; wait for the run to finish; returns the seconds it took."""
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        if fragment_id:
            msg.rerun_script.fragment_id = fragment_id
        for state in states or []:
            msg.rerun_script.widget_states.widgets.append(state)
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            data = await asyncio.wait_for(self.ws.recv(), timeout=120)
            self.received += len(data)
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                widget = getattr(element, which, None) if which else None
                wid = getattr(widget, "id", "") if widget is not None else ""
                if wid:
                    self.widgets[wid] = (which, fwd.delta.fragment_id)
            elif kind == "script_finished":
                return time.perf_counter() - started

    def widget(self, key: str) -> tuple[str, str]:
        """(id, fragment id) of the widget with user key ``key``."""
        for wid, (_kind, fragment) in self.widgets.items():
            if wid.endswith(key):
                return wid, fragment
        raise KeyError(f"no widget with key {key!r} (seen: {len(self.widgets)})")


def date_state(client: Client, day: str) -> WidgetState:
    state = WidgetState(id=client.widget(settings.KEY_DATE)[0])
    state.string_array_value.data.append(day)
    return state


async def measured(client: Client, pid: int, reruns: list[tuple[list[WidgetState], str]]) -> dict:
    """Run ``reruns`` back to back: server CPU ms per rerun (over the batch: /proc's clock ticks are 10 ms,
    too coarse for one rerun), and the median bytes and seconds of one."""
    before = cpu_ms(pid)
    rows = []
    for states, fragment in reruns:
        start_bytes = client.received
        seconds = await client.rerun(states, fragment)
        rows.append((client.received - start_bytes, seconds))
    await asyncio.sleep(0.3)  # the server's trailing work (session state, GC) belongs to the batch
    return {
        "cpu_ms": (cpu_ms(pid) - before) / len(reruns),
        "bytes": statistics.median(r[0] for r in rows),
        "latency_s": statistics.median(r[1] for r in rows),
    }


async def interactions(url: str, pid: int, rounds: int) -> dict:
    """One client: server CPU per toggle, date change and place selection (mean of ``rounds`` each)."""
    async with Client(url) as client:
        await client.rerun()
        toggle_id, fragment = client.widget(settings.KEY_LAYER_PREFIX + "highways")
        place_id = client.widget(settings.KEY_PLACE)[0]
        batches = {
            "toggle": [([WidgetState(id=toggle_id, bool_value=i % 2 == 1)], fragment) for i in range(rounds)],
            "date": [([date_state(client, DAYS[i % 2])], "") for i in range(rounds)],
            "place": [([WidgetState(id=place_id, string_value=("Saraqeb", "Ariha")[i % 2])], "") for i in range(rounds)],
        }
        return {name: await measured(client, pid, reruns) for name, reruns in batches.items()}


async def baseline_interactions(url: str, pid: int, rounds: int) -> dict:
    """The bare baseline (bench/baseline_app.py): server CPU per checkbox and per date change, for the ratio."""
    async with Client(url) as client:
        await client.rerun()
        show, day = client.widget("show")[0], client.widget("day")[0]

        def day_state(i: int) -> WidgetState:
            state = WidgetState(id=day)
            state.string_array_value.data.append(DAYS[i % 2])
            return state

        batches = {
            "toggle": [([WidgetState(id=show, bool_value=i % 2 == 1)], "") for i in range(rounds)],
            "date": [([day_state(i)], "") for i in range(rounds)],
        }
        return {name: await measured(client, pid, reruns) for name, reruns in batches.items()}


async def concurrent(url: str, clients: int, rounds: int) -> dict:
    """``clients`` at once, each changing the date ``rounds`` times: rerun latency median and p90."""

    async def one() -> list[float]:
        async with Client(url) as client:
            await client.rerun()
            return [await client.rerun([date_state(client, DAYS[i % 2])]) for i in range(rounds)]

    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(clients)))
    wall = time.perf_counter() - started
    times = sorted(t for r in results for t in r)
    return {
        "clients": clients,
        "median_s": statistics.median(times),
        "p90_s": times[int(0.9 * (len(times) - 1))],
        "reruns_per_s": len(times) / wall,
    }


EVENTS_PROBE = """
import time
from pathlib import Path
from mapapp import events
t = time.perf_counter()
loaded = events.load_events(Path(path))
result = {"rows": loaded.rows, "drawn": len(loaded), "problems": sum(loaded.problem_counts.values()),
          "kept": len(loaded.problems), "seconds": time.perf_counter() - t}
"""


def events_memory(workdir: Path, sizes: list[int]) -> list[dict]:
    rows = []
    for label, count, bad in [*((f"{n:,} good rows", n, False) for n in sizes), (f"{max(sizes):,} bad rows", max(sizes), True)]:
        path = workdir / f"events-{count}-{'bad' if bad else 'good'}.csv"
        if bad:
            header = ",".join(settings.EVENT_COLUMNS)
            path.write_text(header + "\n" + "x\n" * count, encoding="utf-8")
        else:
            synthetic.write_events_csv(path, count, seed=5)
        result = run_fresh(label, EVENTS_PROBE, path=str(path))
        result["peak_rss_mb"] = result.pop("peak_mb")
        result.update(label=label, file_mb=path.stat().st_size / 1e6, rows_per_s=result["rows"] / result["seconds"])
        rows.append(result)
        path.unlink()
    return rows


def table(single: dict, load: list[dict], memory: list[dict]) -> str:
    lines = [
        "Server cost per interaction (one client, raw websocket; CPU: mean per rerun over a batch, bytes and time:"
        " median; target ≤ 30 ms CPU):",
        "",
        "| interaction | server CPU | bytes sent | rerun time |",
        "| --- | --- | --- | --- |",
    ]
    names = {"toggle": "toggle (map fragment)", "date": "date change", "place": "select a place (as a map click)"}
    base = single.get("baseline", {})
    for key, label in names.items():
        r = single[key]
        mark = "✓" if r["cpu_ms"] <= 30 else "✗"
        ref = base.get(key if key in base else "date", {}).get("cpu_ms")
        vs = f" ({r['cpu_ms'] / ref:.1f}× the bare baseline's {ref:.0f} ms)" if ref else ""
        lines.append(
            f"| {label} | {r['cpu_ms']:.0f} ms {mark}{vs} | {r['bytes'] / 1024:.1f} KB | {r['latency_s'] * 1000:.0f} ms |"
        )
    lines += [
        "",
        "Concurrent clients, each changing the date in a loop (target: median < 0.5 s at 15):",
        "",
        "| clients | median rerun | p90 | reruns per second in all |",
        "| --- | --- | --- | --- |",
    ]
    for r in load:
        mark = " ✓" if r["clients"] == 15 and r["median_s"] < 0.5 else " ✗" if r["clients"] == 15 else ""
        lines.append(f"| {r['clients']} | {r['median_s']:.2f} s{mark} | {r['p90_s']:.2f} s | {r['reruns_per_s']:.1f} |")
    lines += [
        "",
        "Reading an ACLED CSV (each in a fresh process):",
        "",
        "| file | size | rows per second | peak RSS | problems (kept in memory) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in memory:
        lines.append(
            f"| {r['label']} | {r['file_mb']:.0f} MB | {r['rows_per_s']:,.0f} | {r['peak_rss_mb']:.0f} MB |"
            f" {r['problems']:,} ({r['kept']:,}) |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,5,10,15")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--events-sizes", default="100000,1000000")
    parser.add_argument("--readme", action="store_true")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="mapapp-load-"))
    # `python -m mapapp serve` runs Streamlit in its own process: its pid is the server whose CPU is read.
    serve = [sys.executable, "-m", "mapapp", "serve", "--port", "{port}"]
    server = driver.start_app(serve, env_extra={}, log=workdir / "server.log")
    try:
        single = asyncio.run(interactions(server.url, server.proc.pid, args.rounds))
        load = [asyncio.run(concurrent(server.url, int(n), args.rounds)) for n in args.clients.split(",")]
    finally:
        server.stop()
    bare = [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "baseline_app.py"), "--server.port", "{port}"]
    server = driver.start_app(bare, env_extra={}, log=workdir / "baseline.log")
    try:
        baseline = asyncio.run(baseline_interactions(server.url, server.proc.pid, args.rounds))
    finally:
        server.stop()
    single["baseline"] = baseline
    memory = events_memory(workdir, [int(n) for n in args.events_sizes.split(",")])
    text = table(single, load, memory)
    print(text)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    payload = {"single": single, "load": load, "memory": memory}
    (ROOT / "bench" / "results" / "load.json").write_text(json.dumps(payload, indent=1))
    if args.readme:
        readme = README.read_text(encoding="utf-8")
        start, end = readme.index(MARK_START) + len(MARK_START), readme.index(MARK_END)
        README.write_text(readme[:start] + "\n" + text + "\n" + readme[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
