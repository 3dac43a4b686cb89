"""How long one frame of the explorer takes for a 2 -> 64 -> 64 -> 1 network (target: < 100 ms).

Usage:
    python benchmarks/bench_explore.py            # trains on xor N=1000 through the explorer's server
    python benchmarks/bench_explore.py --widths 256 256 --steps 1000

A frame is what happens for every snapshot the page shows:
  1. server: exact polygons (region_polygons) + the frame's arrays and the points' predictions
     (nnpartition.explore.frames.frame_of, net.predict) + the event's JSON (json.dumps),
  2. page:   JSON.parse of that event and decoding its base64 arrays, in headless Chromium,
  3. page:   drawing it on the canvas (polygons, first-layer lines, points, the three charts).
The network is the explorer's own: trained by the server (Rust trainer) on the chosen data; the frame of the last
snapshot is measured. The server's encoding of a frame's arrays (base64 of little-endian bytes) is also timed against
plain JSON lists of numbers, with the ratio. Times are medians of repeated runs, measured in one
run of this script. Needs Debian's chromium + chromium-driver and selenium (the test extra).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import threading
import time
import urllib.request

import numpy as np

from nnpartition.explore import make_server
from nnpartition.explore.frames import _b64, _group_rows, frame_of, network_from_dict
from nnpartition.pictures import region_polygons


def median_ms(fn, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--widths", type=int, nargs="+", default=[64, 64])
    ap.add_argument("--data", default="xor")
    ap.add_argument("-N", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()

    srv = make_server("127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    body = {"data": args.data, "N": args.N, "widths": args.widths, "steps": args.steps, "every": args.steps}
    req = urllib.request.Request(srv.url + "api/start", json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req).read()
    run = srv.session.run
    while run.state not in ("done", "error"):
        time.sleep(0.1)
    if run.state == "error":
        raise SystemExit(run.error)
    out = json.loads(urllib.request.urlopen(srv.url + "api/export/run.json").read())
    net = network_from_dict(out["snapshot"]["network"])
    box = tuple(tuple(c) for c in out["box"])
    frame = frame_of(net, box)
    print(f"network 2 -> {' -> '.join(map(str, args.widths))} -> 1 trained {args.steps} steps on {args.data} "
          f"N={args.N}: {frame['n_regions']} regions in the window, "
          f"final accuracy {out['history'][-1]['accuracy']:.3f}")
    X = np.array(out["X"])
    server_poly = median_ms(lambda: (frame_of(net, box), net.predict(X)), args.reps)
    payload = json.dumps(dict(run.frame, history=run.history))
    server_json = median_ms(lambda: json.dumps(dict(run.frame, history=run.history)), args.reps)
    print(f"server: region_polygons + frame arrays + predictions {server_poly:6.1f} ms, "
          f"JSON encode {server_json:6.1f} ms ({len(payload) / 1e3:.0f} kB)")
    # The frame's arrays as the server sends them (base64 of little-endian bytes) against plain JSON lists of numbers.
    rp = region_polygons(net, box=box, split_decision=True)
    arrays = [(rp.offsets, "<i4"), (rp.vertices, "<f4"), (_group_rows(rp.patterns)[0], "<i4"), (rp.decision, "u1"),
              (rp.logits(), "<f4"), (rp.boundary, "<f4")]
    b64_ms = median_ms(lambda: json.dumps([_b64(a, t) for a, t in arrays]), args.reps)
    lists_ms = median_ms(lambda: json.dumps([np.asarray(a).tolist() for a, _ in arrays]), args.reps)
    print(f"server: the frame's arrays ({rp.n_regions} polygons) as base64 {b64_ms:6.1f} ms, as JSON lists "
          f"{lists_ms:6.1f} ms ({lists_ms / b64_ms:.0f}x)")

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    try:
        drv.get(srv.url)
        end = time.monotonic() + 30
        while not drv.execute_script("return window.__explore.frames > 0") and time.monotonic() < end:
            time.sleep(0.1)
        page = drv.execute_script("""
            const S = window.__explore, reps = arguments[1], text = arguments[0];
            const plot = document.getElementById("plot").getContext("2d");
            const parse = [], draw = [];
            for (let i = 0; i < reps; i++) {
              let t = performance.now(); const f = decodeFrame(JSON.parse(text)); parse.push(performance.now() - t);
              S.frame = f; t = performance.now(); drawAll();
              plot.getImageData(0, 0, 1, 1);  // forces the canvas to rasterise: the draw time includes it
              draw.push(performance.now() - t);
            }
            const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
            return [med(parse), med(draw), S.frame.n_regions];
        """, payload, args.reps)
    finally:
        drv.quit()
        srv.shutdown()
        srv.server_close()
    parse_ms, draw_ms, shown = page
    assert shown == frame["n_regions"]
    total = server_poly + server_json + parse_ms + draw_ms
    print(f"page:   JSON.parse + decode {parse_ms:6.1f} ms, draw (regions, lines, points, charts) {draw_ms:6.1f} ms")
    print(f"one frame end to end (sum of medians): {total:.1f} ms  (target < 100 ms: "
          f"{'met' if total < 100 else 'MISSED'})")


if __name__ == "__main__":
    main()
