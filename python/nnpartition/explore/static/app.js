// nnpartition explore: the page. Self-contained (no libraries, no network beyond this server).
// Receives server-sent events (run, frame, status) and draws the exact regions on a canvas.
"use strict";

const $ = (id) => document.getElementById(id);

// Every text the page writes goes through here: `text` (null or undefined: none) into the element `target` (or the
// element of that id) as text, never parsed as HTML, so that a value from the data, the URL or the server shows as
// itself; and only where it differs from what the element holds, so that a live region (#status, #message,
// #data-note, #summary) is told only what is news and a screen reader does not hear the same words again.
function setText(target, text) {
  const el = typeof target === "string" ? $(target) : target;
  const t = text === null || text === undefined ? "" : String(text);
  if (el.textContent !== t) el.textContent = t;
}
// the classes' colours (1 blue, 0 orange; nnpartition.pictures.CLASS_COLOURS): their fills' lightness differs by an
// L* of at least 10 from the key's shade up, so a page printed in black and white still tells them apart
const C1 = [13, 97, 192], C0 = [239, 133, 55];
// the points' colours by label (0, 1) and the first layer's lines', on the plot and in the export's key; a point's
// shape says its label without colour too: class 1 a triangle, class 0 a circle (pictures.POINT_MARKERS)
const POINT = ["#a44d12", "#084492"], LINE = "rgba(20,20,20,0.75)";

// Everything the page knows; window.__explore exposes it to the browser tests and the benchmark.
const S = {
  run: null,        // summary of the current run: settings, X, y, box, bound, estimate
  frame: null,      // latest frame: polygons, decision, output, lines, step, accuracy, loss, pred
  history: [],      // {step, accuracy, loss, n_regions} of every snapshot of the run
  status: { state: "idle" },
  frames: 0,        // frames drawn for this run
  lastRenderMs: null,
  config: null,
};
window.__explore = S;

// ---------------------------------------------------------------- server calls
async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                body: JSON.stringify(body || {}) });
  const data = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

// (#message is present and empty from the page's load, so that a screen reader knows the alert before its text
// arrives: an alert shown by removing `hidden` is not announced by some)
function showMessage(text) { setText("message", text || ""); }

async function readSettings() {
  const num = (id) => $(id).value.trim();
  const body = {
    data: $("data").value, N: num("N"), widths: num("widths"), optimizer: $("optimizer").value,
    lr: num("lr"), steps: num("steps"), batch_size: num("batch_size") || null, seed: num("seed"),
    every: num("every"), fps: num("fps"),
  };
  if (body.data === "csv") {
    const f = $("csv").files[0];
    if (!f) throw new Error("choose a CSV file (rows x,y,label with label 0 or 1)");
    body.csv = await f.text();
  }
  return body;
}

async function start(paused) {
  showMessage("");
  try {
    const body = await readSettings();
    if (paused) body.paused = true;
    await post("/api/start", body);
  } catch (e) { showMessage(e.message); }
}

async function control(what) {
  showMessage("");
  try { await post(`/api/${what}`); } catch (e) { showMessage(e.message); }
}

// Frames carry their arrays as base64 of little-endian bytes (see server.frame_of).
function b64(text, Type) {
  const bin = atob(text), u = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
  return new Type(u.buffer);
}

// Vertices and boundary travel as float32 relative to the window's centre, f.origin (float32 themselves rounded a
// window about 10^6 +- 1 to 1/16): back to the plane's coordinates, in float64.
function shifted(text, origin) {
  const a = b64(text, Float32Array), out = new Float64Array(a.length), [ox, oy] = origin || [0, 0];
  for (let i = 0; i < a.length; i++) out[i] = a[i] + (i % 2 ? oy : ox);
  return out;
}

function decodeFrame(f) {
  f.offsets = b64(f.offsets, Int32Array); f.xy = shifted(f.xy, f.origin);
  f.decision = b64(f.decision, Uint8Array); f.output = b64(f.output, Float32Array);
  f.region = b64(f.region, Int32Array);
  f.maxOutput = 1e-12;
  for (const o of f.output) f.maxOutput = Math.max(f.maxOutput, Math.abs(o));
  f.boundary = shifted(f.boundary, f.origin);
  return f;
}
window.decodeFrame = decodeFrame;

// ---------------------------------------------------------------- events
function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("run", (ev) => {
    S.run = JSON.parse(ev.data);
    S.frame = null; S.history = []; S.frames = 0;
    // points far from zero relative to their spread: the trainer does not normalise them (server's data_note),
    // written into a polite live region the page holds from its load (an empty one shows no box)
    setText("data-note", (S.run && S.run.data_note) || "");
    updateNumbers(); schedule();
  });
  es.addEventListener("frame", (ev) => {
    const f = decodeFrame(JSON.parse(ev.data));
    if (!S.run || f.run !== S.run.run) return;
    for (const h of f.history || []) S.history.push(h);
    S.frame = f;
    if (f.note) showMessage(f.note);
    schedule();
  });
  es.addEventListener("status", (ev) => {
    S.status = JSON.parse(ev.data) || { state: "idle" };
    const st = $("status");
    setText(st, S.status.state + (S.status.error ? `: ${S.status.error}` : ""));
    st.className = `status ${S.status.state}`;
    st.dataset.state = S.status.state;
    if (S.status.error) showMessage(S.status.error);
    const active = S.status.state === "running" || S.status.state === "paused";
    // a disabled control drops the focus to the page's body: a keyboard user on Pause when a run ends or is reset
    // would start again from the page's top; Start, what comes next, takes it
    const lost = !active && document.activeElement === $("pause");
    $("pause").disabled = !active;
    if (lost) $("start").focus();
    setText("pause", S.status.state === "paused" ? "Resume" : "Pause");
    describe();
  });
}

// ---------------------------------------------------------------- drawing
let pending = false;
function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; drawAll(); });
}

function drawAll() {
  const t0 = performance.now();
  // the canvas holds as many pixels as it shows (times the screen's pixel ratio), so that the axes' numbers are drawn
  // at their size in CSS pixels, not scaled down with a 600px canvas shown at 434px on a projector
  const c = $("plot"), dpr = window.devicePixelRatio || 1, side = c.clientWidth || 600;
  if (c.width !== Math.round(side * dpr)) { c.width = Math.round(side * dpr); c.height = Math.round(side * dpr); }
  const ctx = c.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawPlot(ctx, { x: 0, y: 0, w: side, h: side });
  S.lastRenderMs = performance.now() - t0;
  if (S.frame) S.frames += 1;
  updateNumbers();
  drawCharts();
  describe();
}

// ---------------------------------------------------------------- words for screen readers
// The plot and the charts are images named by what they show now (their names follow the frames at most once a
// second), and a polite live region (#summary) says the step, the accuracy and the region count: at once when the run
// starts, pauses, resumes, steps, ends or fails (whenever its state changes), and at most every SAY_EVERY_MS while it
// runs (at 25 frames a second a screen reader would otherwise be told 25 times a second). The throttle restarts at a
// change of state: a run's "run" event reaches the page before its "running" status, so the summary says "idle, no
// snapshot yet" for a moment at every start, and until the seventy-first pass on issue 11 that kept the run's first
// summary back by 10 s (a run paused within them was never said to run).
const SAY_EVERY_MS = 10000, NAME_EVERY_MS = 1000;
let said = { at: -Infinity, text: "", state: "" }, named = -Infinity;

function regionWords(f) {
  return f.n_regions === null ? "too many linear regions to count" : `${f.n_regions} linear regions`;
}

function summaryText() {
  const f = S.frame, run = S.run;
  if (!run) return "";
  if (!f) return `${S.status.state}, no snapshot yet`;
  const bound = f.n_regions === null ? "" : ` (at most ${run.bound})`;
  return `${S.status.state}, step ${f.step} of ${run.settings.steps}: training accuracy ${fmt(f.accuracy)}, ` +
         `loss ${fmt(f.loss)}, ${regionWords(f)}${bound}`;
}

function imageNames() {
  const f = S.frame, run = S.run, h = S.history;
  if (!run || !f) {
    const none = run ? "no snapshot yet" : "no run yet";
    return { plot: `exact linear regions of the network: ${none}`,
             "acc-chart": `training accuracy over training: ${none}`, "loss-chart": `loss over training: ${none}`,
             "regions-chart": `linear regions over training: ${none}` };
  }
  const y = run.y, wrong = f.pred ? y.filter((v, i) => f.pred[i] !== v).length : 0;
  const colours = $("color").value === "decision" ? "coloured by the class the network predicts (blue 1, orange 0)"
                                                  : "a colour a region, nine colours in turn";
  const at = `to step ${f.step} of ${run.settings.steps}`, e = run.estimate;
  const losses = h.map((p) => p.loss).filter(Number.isFinite);
  const counts = h.map((p) => p.n_regions).filter((n) => n !== null);
  return {
    plot: `exact linear regions of the network at step ${f.step}: ${regionWords(f)}, ${colours}; ` +
          `${y.length} points, ${wrong} misclassified`,
    "acc-chart": `training accuracy over training, ${at}: accuracy ${fmt(f.accuracy)} now` +
                 (e ? `; the estimate ${fmt(e.accuracy)}, its band ${fmt(e.low, 3)} to ${fmt(e.high, 3)}` : ""),
    "loss-chart": `loss over training, ${at}: loss ${fmt(f.loss)} now` +
                  (losses.length ? `, lowest ${fmt(Math.min(...losses))}` : ""),
    "regions-chart": `linear regions over training, ${at}: ${regionWords(f)} now` +
                     (counts.length ? `, most ${Math.max(...counts)}` : ""),
  };
}

// The side charts' numbers as a table (#chart-table, in a <details> under them), for a screen reader to browse and
// anyone to read exactly: a row a snapshot, at most TABLE_ROWS rows (a run keeps up to thousands of snapshots):
// every kth snapshot from the first, k the least that keeps the rows within TABLE_ROWS with the latest, and the
// latest; the caption says which. It follows the charts' names (at most once a second while a run goes).
const TABLE_ROWS = 40;

// The indices of `n` snapshots the table shows, and its k.
function tableRows(n) {
  if (n === 0) return { rows: [], k: 1 };
  const k = Math.max(1, Math.ceil((n - 1) / (TABLE_ROWS - 1))), rows = [];
  for (let i = 0; i < n - 1; i += k) rows.push(i);
  rows.push(n - 1);
  return { rows, k };
}

function ordinal(k) {
  const t = k % 100 >= 11 && k % 100 <= 13 ? "th" : ["th", "st", "nd", "rd"][k % 10] || "th";
  return `${k}${t}`;
}

function updateTable() {
  const h = S.history, run = S.run, e = run && run.estimate, { rows, k } = tableRows(h.length);
  // (the columns' names short, so that the table fits a column of 260px, at 400% zoom: the caption says them whole)
  let caption = "no run yet";
  if (run) {
    caption = !h.length ? "no snapshot yet"
      : "the training accuracy, whether it lies in the estimate's band (below, inside or above), the loss and the " +
        "number of linear regions, " + (k === 1 ? `at each of the run's ${h.length} snapshot${h.length > 1 ? "s" : ""}`
        : `at ${rows.length} of its ${h.length} snapshots: every ${ordinal(k)} from the first, and the latest`);
    if (e) caption += `; the estimate ${fmt(e.accuracy)}, its band ${fmt(e.low, 3)} to ${fmt(e.high, 3)}`;
  }
  const cells = rows.map((i) => {
    const p = h[i], band = !e ? "–" : p.accuracy < e.low ? "below" : p.accuracy > e.high ? "above" : "inside";
    return [String(p.step), fmt(p.accuracy), band, fmt(p.loss),
            p.n_regions === null ? "too many to count" : String(p.n_regions)];
  });
  const key = caption + JSON.stringify(cells), table = $("chart-table");
  if (table.dataset.key === key) return;
  table.dataset.key = key;
  setText("chart-caption", caption);
  const body = document.createElement("tbody");
  for (const row of cells) {
    const tr = body.insertRow();
    row.forEach((text, j) => {
      const cell = document.createElement(j ? "td" : "th");
      if (!j) cell.scope = "row";
      setText(cell, text);
      tr.appendChild(cell);
    });
  }
  table.tBodies[0].replaceWith(body);
}

function describe() {
  const now = performance.now(), running = S.status.state === "running";
  if (!running || now - named >= NAME_EVERY_MS) {
    named = now;
    for (const [id, name] of Object.entries(imageNames())) {
      if ($(id).getAttribute("aria-label") !== name) $(id).setAttribute("aria-label", name);
    }
    updateTable();
  }
  const text = summaryText(), state = S.status.state;
  if (text !== said.text && (!running || said.state !== state || now - said.at >= SAY_EVERY_MS)) {
    said = { at: now, text, state };
    setText("summary", text);
  }
}

// The window's box mapped onto the square of side `side` whose top left corner is (left, top).
function transform(box, left, top, side) {
  const [[x0, y0], [x1, y1]] = box;
  return { sx: side / (x1 - x0), sy: side / (y1 - y0), x0, y1, left, top, side,
           px(x) { return left + (x - x0) * this.sx; }, py(y) { return top + (y1 - y) * this.sy; } };
}

const AXIS_MARGIN = { l: 58, r: 10, t: 10, b: 42 };  // room around the plot's square for its ticks and axes' names

// "Nice" tick values inside [lo, hi]: multiples of a step of 1, 2 or 5 times a power of ten, about `want` of them,
// with the decimals the step needs. The list's `offset` is null, or {value, label} where the labels are relative to
// it (a tick's value = its label + the offset's value): see below. `opts.integer`: a step of 1 at least (a count's
// axis); `opts.offset` false: never an offset (the side charts, whose ranges start at or below zero).
function ticks(lo, hi, want = 5, opts = {}) {
  const raw = (hi - lo) / want, mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
  const step = Math.max(opts.integer ? 1 : 0, (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag);
  const decimals = Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
  const ks = [];
  // (past 2^53 a step's count k is a float whose k + 1 may be k: for points about 5e15 +- 1, a CSV's, this loop froze
  // the page, then threw "Invalid array length", and no plot was drawn, until a review in the sixty-sixth pass on
  // issue 11; there the next tick is the next float up)
  const next = (k) => k + Math.max(1, Math.abs(k) * Number.EPSILON);
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k = next(k)) ks.push(k);
  const values = ks.map((k) => k * step);
  // with the decimals the step needs, or, where those are long, in powers of ten if that is shorter (a window 10^12
  // wide read "-400000000000", wider than the axis's margin, one 10^-12 wide "-0.0000000000004"; and a step below
  // 10^-100 asked toFixed for more than its 100 decimals, a RangeError that stopped the drawing)
  const longest = (labels) => Math.max(0, ...labels.map((t) => t.length));
  const plain = (v) => v.toFixed(Math.min(decimals, 100));
  let labels = values.map(plain), offset = null;
  if (longest(labels) > 8) {
    const exp = values.map((v) => tickPower(v, step));
    if (longest(exp) < longest(labels)) labels = exp;
  }
  // or, for a window far from zero with a small spread (points about 10^6 +- 1 read "999999.5", "1000000.0", 60px
  // in the margin's 51), relative to an offset written once at the axis's end, as matplotlib does, where that saves
  // 4 characters or more (or is needed to fit): the offset is the multiple of P (the power of ten at most the
  // window's width, or ten times that where the step is larger) nearest the window's centre, a multiple of the step
  let P = Math.pow(10, Math.floor(Math.log10(hi - lo) + 1e-9));
  if (P < step) P *= 10;
  const m = Math.round((lo + hi) / 2 / P);
  const k0 = m * Math.round(P / step);
  if (k0 !== 0 && Number.isFinite(k0) && opts.offset !== false) {
    let rel = ks.map((k) => plain((k - k0) * step));
    if (longest(rel) > 8) rel = ks.map((k) => tickPower((k - k0) * step, step));
    if (longest(rel) + 4 <= longest(labels) || (longest(labels) > 8 && longest(rel) < longest(labels))) {
      labels = rel;
      offset = { value: m * P, label: offsetLabel(m, P) };
    }
  }
  const out = values.map((value, i) => ({ value, label: labels[i] }));
  out.offset = offset;
  return out;
}

// The offset m * P (P a power of ten) with its sign, as the shorter of its digits and its power of ten: "+1e6",
// "-31420", "+1.23456e12".
function offsetLabel(m, P) {
  const v = m * P, digits = Math.max(0, Math.ceil(-Math.log10(P) - 1e-9));
  const s = [v.toFixed(Math.min(digits, 100)), tickPower(v, P)].reduce((a, b) => (b.length < a.length ? b : a));
  return (v > 0 ? "+" : "") + s;
}

// `v` (a multiple of `step`) in powers of ten, with the digits the step needs: "2e11", "-4e-13", "1.5e12".
function tickPower(v, step) {
  if (v === 0) return "0";
  const digits = Math.floor(Math.log10(Math.abs(v))) - Math.floor(Math.log10(step) + 1e-9);
  return v.toExponential(Math.min(100, Math.max(0, digits))).replace(/\.?0*e\+?/, "e");
}

// The plot's frame, tick marks with their numbers (`xs`, `ys`: the window's ticks) and the axes' names (x1, x2, as
// nnpartition's pictures name them); an axis's offset, where its labels have one, at its end: x1's at the right below
// its numbers, x2's above the plot's top left corner (drawPlot leaves room there).
function drawAxes(ctx, T, xs, ys) {
  const L = T.left, R = T.left + T.side, Tp = T.top, B = T.top + T.side;
  ctx.strokeStyle = "#444"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(L, Tp); ctx.lineTo(R, Tp); ctx.lineTo(R, B); ctx.lineTo(L, B); ctx.closePath();
  for (const t of xs) { const x = T.px(t.value); ctx.moveTo(x, B); ctx.lineTo(x, B + 5); }
  for (const t of ys) { const y = T.py(t.value); ctx.moveTo(L, y); ctx.lineTo(L - 5, y); }
  ctx.stroke();
  ctx.fillStyle = "#333"; ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  for (const t of xs) ctx.fillText(t.label, T.px(t.value), B + 18);
  ctx.textAlign = "right";
  for (const t of ys) ctx.fillText(t.label, L - 7, T.py(t.value) + 4);
  if (xs.offset) ctx.fillText(xs.offset.label, R, B + 36);
  ctx.textAlign = "left";
  if (ys.offset) ctx.fillText(ys.offset.label, L, Tp - 6);
  ctx.font = "italic 14px system-ui, sans-serif"; ctx.textAlign = "center";
  ctx.fillText("x1", (L + R) / 2, B + 36);
  ctx.textAlign = "left";
  ctx.fillText("x2", L - AXIS_MARGIN.l + 2, (Tp + B) / 2 + 5);
}

function mix(c, t) {  // c blended with white: t = 0 white, 1 full colour
  const [r, g, b] = c.map((v) => Math.round(255 + (v - 255) * t));
  return `rgb(${r},${g},${b})`;
}

// "By region": nine colours in turn by the region's number (numbered in the order region_polygons meets them, a
// region's neighbours are often a few numbers away: a third of them 1 or 2 in runs of xor and spirals), made in
// CIELAB: lightness L* 58, 74, 90 in turn, the hue 30 degrees plus 160 a region, chroma 35 (clipped to sRGB). Regions
// 1 or 2 apart differ by a CIEDE2000 of at least 9.5 (the least, 9.98, under deuteranopia), and up to 8 apart by at
// least 4, for normal eyes and simulated protanopia, deuteranopia and tritanopia (Machado et al. 2009; test_explore,
// docs/explore.md): their lightness differs where hue alone would not. Neighbours are also parted by edges (EDGE),
// so that regions 9 apart sharing a colour stay apart.
// (The hues of the golden angle at HSL lightness 72-84% were 1.7 apart for regions 1 apart under protanopia.)
const REGION_COLOURS = ["#c5766e", "#53c8c0", "#ffcbef", "#5a996c", "#c8aae7", "#e3e7a3", "#5d8ec8", "#deac7a",
                        "#82f1ff"];

// The regions' edges: a dark grey line (#404040; the axes' frame is #444, and the tests tell them so) 1px wide,
// [colour, width] in the order drawn: 3:1 (WCAG 1.4.11, test_explore) against every fill of luminance (WCAG 2) from
// 0.26, which every fill is: "by region"'s lightness L* 58 at least, and "by decision"'s shades up to SHADE_HI (below).
// (The white edges of 0.8 opacity before the seventy-first pass on issue 11 were 1.2:1 on the palest fills and below
// 3:1 on every one. Under deeper shades, down to the luminance 0.19 of 0.85's blue, no single colour but black to
// #2f2f2f, as dark as the decision boundary's line, is 3:1 against every fill: a white halo under the line was, but
// drew a frame of 6,000 polygons half again as slowly, about 25 ms more.)
const EDGE = [["#404040", 1]];
// "By decision": a class's colour blended with white from SHADE_LO (|logit| 0) to SHADE_HI (the frame's largest): at
// 0.7 the blue's luminance is 0.265, EDGE's line 3.1:1 against it (0.85 before the seventy-first pass on issue 11).
const SHADE_LO = 0.2, SHADE_HI = 0.7;

// Colours are quantised (9 by region, or 2 classes x 21 shades) so that a frame is drawn with one fill per colour
// instead of one per polygon.
// Polygon p is a piece of linear region f.region[p] (regions are also cut along the decision boundary).
function regionColour(f, p, mode) {
  if (mode === "region") return REGION_COLOURS[f.region[p] % REGION_COLOURS.length];
  // shade: |logit| relative to the frame's largest, in 21 steps
  const t = SHADE_LO + (SHADE_HI - SHADE_LO) * Math.round(20 * Math.abs(f.output[p]) / f.maxOutput) / 20;
  return mix(f.decision[p] ? C1 : C0, t);
}

function polygonPath(ctx, T, f, r) {
  const off = f.offsets, xy = f.xy, a = off[r], b = off[r + 1];
  if (b - a < 3) return;
  ctx.moveTo(T.px(xy[2 * a]), T.py(xy[2 * a + 1]));
  for (let k = a + 1; k < b; k++) ctx.lineTo(T.px(xy[2 * k]), T.py(xy[2 * k + 1]));
  ctx.closePath();
}

// The sides of frame f's polygons, each once, as segments x0, y0, x1, y1 in the drawing's pixels (T's): a side two
// polygons share is drawn once, half the strokes (stroked around each polygon, a 3px halo under EDGE's line, as the
// seventy-first pass tried, took about 40 ms more over 6,000 polygons). Two sides are one where their ends agree to
// 1/8 pixel; nothing is merged off the keys' range (0 to 1024 px: 13 bits a coordinate, 52 a side, exact in a double).
function edgeSegments(T, f) {
  const out = [], seen = new Set(), q = (v) => Math.round(v * 8), ok = (n) => n >= 0 && n < 8192;
  for (let r = 0; r < f.n_polygons; r++) {
    const a = f.offsets[r], b = f.offsets[r + 1];
    if (b - a < 3) continue;
    for (let k = a; k < b; k++) {
      const j = k + 1 < b ? k + 1 : a;
      const x0 = T.px(f.xy[2 * k]), y0 = T.py(f.xy[2 * k + 1]), x1 = T.px(f.xy[2 * j]), y1 = T.py(f.xy[2 * j + 1]);
      const qs = [q(x0), q(y0), q(x1), q(y1)];
      if (qs.every(ok)) {
        const p0 = qs[0] * 8192 + qs[1], p1 = qs[2] * 8192 + qs[3];
        const key = p0 < p1 ? p0 * 67108864 + p1 : p1 * 67108864 + p0;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.push(x0, y0, x1, y1);
    }
  }
  return out;
}

// Paint the current frame, with its axes, into `area` ({x, y, w, h}; the whole canvas by default) of `ctx` (the
// canvas's context or the SVG export's recording context: they share these calls).
function drawPlot(ctx, area) {
  const A = area || { x: 0, y: 0, w: ctx.canvas.width, h: ctx.canvas.height };
  ctx.fillStyle = "#fff"; ctx.fillRect(A.x, A.y, A.w, A.h);
  if (!S.run) { hint(ctx, "Press Start to train a network", A.x + A.w / 2, A.y + A.h / 2); return; }
  const box = S.run.box, xs = ticks(box[0][0], box[1][0]), ys = ticks(box[0][1], box[1][1]);
  // (room above the plot for x2's offset where its labels have one)
  const M = ys.offset ? { ...AXIS_MARGIN, t: AXIS_MARGIN.t + 16 } : AXIS_MARGIN;
  const side = Math.max(10, Math.min(A.w - M.l - M.r, A.h - M.t - M.b));
  const T = transform(box, A.x + M.l, A.y + M.t, side);
  const f = S.frame, mode = $("color").value;
  if (f) {
    const groups = new Map();
    for (let r = 0; r < f.n_polygons; r++) {
      const c = regionColour(f, r, mode);
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c).push(r);
    }
    // Paths of at most CHUNK polygons: Chromium's rasteriser slows down sharply on one path with thousands
    // of sub-paths (measured: 5,000 polygons fill in ~200 ms as one path, ~15 ms in chunks of 200).
    const CHUNK = 200;
    for (const [c, rs] of groups) {
      ctx.fillStyle = c;
      for (let s = 0; s < rs.length; s += CHUNK) {
        ctx.beginPath();
        for (let k = s; k < Math.min(rs.length, s + CHUNK); k++) polygonPath(ctx, T, f, rs[k]);
        ctx.fill();
      }
    }
    const seg = edgeSegments(T, f);   // region edges: EDGE's strokes in order, in paths of 1,000 sides
    ctx.lineCap = "square";           // (the sides' ends overlap at a corner: no notch where they meet)
    for (const [colour, width] of EDGE) {
      ctx.strokeStyle = colour; ctx.lineWidth = width;
      for (let s = 0; s < seg.length; s += 4000) {
        ctx.beginPath();
        for (let k = s; k < Math.min(seg.length, s + 4000); k += 4) {
          ctx.moveTo(seg[k], seg[k + 1]); ctx.lineTo(seg[k + 2], seg[k + 3]);
        }
        ctx.stroke();
      }
    }
    ctx.lineCap = "butt";
    if ($("show-lines").checked) drawLines(ctx, T, f.first_layer, S.run.box);
    drawBoundary(ctx, T, f.boundary);
  }
  if ($("show-points").checked) drawPoints(ctx, T, f ? f.pred : null);
  drawAxes(ctx, T, xs, ys);
}

function hint(ctx, text, x, y) {
  ctx.fillStyle = "#666"; ctx.font = "16px system-ui, sans-serif"; ctx.textAlign = "center";
  ctx.fillText(text, x, y);
}

function lineSegment(w0, w1, b, box) {  // w0 x + w1 y + b = 0 clipped to the box, or null
  const [[x0, y0], [x1, y1]] = box, pts = [];
  if (Math.abs(w1) > 1e-12) {
    for (const x of [x0, x1]) { const y = -(b + w0 * x) / w1; if (y >= y0 && y <= y1) pts.push([x, y]); }
  }
  if (Math.abs(w0) > 1e-12) {
    for (const y of [y0, y1]) { const x = -(b + w1 * y) / w0; if (x >= x0 && x <= x1) pts.push([x, y]); }
  }
  return pts.length >= 2 ? [pts[0], pts[pts.length - 1]] : null;
}

// The first layer's lines x @ W[:, j] + b_j = 0, clipped to the box: dashes on a white line, whose gaps show where
// a line runs along a region's edge (EDGE's dark line; every edge of a network of one layer lies on one of them).
function drawLines(ctx, T, first, box) {
  const L = first.b.length;
  for (let j = 0; j < L; j++) {
    const s = lineSegment(first.W[0][j], first.W[1][j], first.b[j], box);
    if (!s) continue;
    for (const [colour, width, dash] of [["#fff", 1.6, []], [LINE, 1.2, [5, 4]]]) {
      ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.setLineDash(dash); ctx.beginPath();
      ctx.moveTo(T.px(s[0][0]), T.py(s[0][1])); ctx.lineTo(T.px(s[1][0]), T.py(s[1][1])); ctx.stroke();
    }
  }
  ctx.setLineDash([]);
}

function drawBoundary(ctx, T, seg) {  // the decision boundary (logit = 0): segments x0 y0 x1 y1
  ctx.strokeStyle = "#111"; ctx.lineWidth = 2.2; ctx.beginPath();
  for (let k = 0; k + 3 < seg.length; k += 4) {
    ctx.moveTo(T.px(seg[k]), T.py(seg[k + 1])); ctx.lineTo(T.px(seg[k + 2]), T.py(seg[k + 3]));
  }
  ctx.stroke();
}

// A point's mark, as a path: class 1 a triangle pointing up (of about a circle's area: circumradius 1.5 r), class 0
// a circle of radius r.
function pointPath(ctx, cls, px, py, r) {
  if (cls) {
    const R = 1.5 * r, h = R * Math.sqrt(3) / 2;
    ctx.moveTo(px, py - R); ctx.lineTo(px + h, py + R / 2); ctx.lineTo(px - h, py + R / 2); ctx.closePath();
  } else ctx.arc(px, py, r, 0, 2 * Math.PI);
}

function drawPoints(ctx, T, pred) {
  const X = S.run.X, y = S.run.y, r = X.length > 2000 ? 1.8 : 3.2;
  for (let i = 0; i < X.length; i++) {
    const px = T.px(X[i][0]), py = T.py(X[i][1]);
    ctx.beginPath(); pointPath(ctx, y[i] ? 1 : 0, px, py, r);
    ctx.fillStyle = POINT[y[i] ? 1 : 0]; ctx.fill();
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 0.8; ctx.stroke();
    if (pred && pred[i] !== y[i]) {
      ctx.strokeStyle = "#000"; ctx.lineWidth = 1.3; ctx.beginPath();
      ctx.moveTo(px - r - 1.5, py - r - 1.5); ctx.lineTo(px + r + 1.5, py + r + 1.5);
      ctx.moveTo(px + r + 1.5, py - r - 1.5); ctx.lineTo(px - r - 1.5, py + r + 1.5); ctx.stroke();
    }
  }
}

// ---------------------------------------------------------------- numbers and charts
function fmt(x, d = 4) { return x === null || x === undefined ? "–" : Number(x).toFixed(d); }

function updateNumbers() {
  const f = S.frame, run = S.run;
  setText("step-shown", f ? `${f.step} / ${run.settings.steps}` : "–");
  $("step-shown").dataset.step = f ? String(f.step) : "";
  setText("regions-count", !f ? "–" : f.n_regions === null ? "too many to draw" : String(f.n_regions));
  setText("regions-bound", run ? String(run.bound) : "–");
  setText("accuracy", f ? fmt(f.accuracy) : "–");
  setText("loss", f ? fmt(f.loss) : "–");
  const e = run && run.estimate;
  setText("estimate", e ? `${fmt(e.accuracy)}  [${fmt(e.low, 3)}, ${fmt(e.high, 3)}]${e.note ? " (!)" : ""}` : "–");
  // the tooltip: the estimator's range warning, then how far held-out questions like this one were off
  $("estimate").title = !e ? ""
    : [e.note, e.heldout && `held-out questions like this one: ${e.heldout}`].filter(Boolean).join("\n");
  // and that in short beside it (nnpartition.heldout_errors: the region's MAE and share off by more than 0.06),
  // marked "(!)" where the run lies outside the validated range; for random labels, as the estimate is
  const h = e && e.heldout_errors;
  setText("estimate-heldout", !h ? "–"
    : `MAE ${h.mae.toFixed(4)}, ${(100 * h.share_off).toFixed(1)}% off by > 0.06${h.inside_range ? "" : " (!)"}`);
  $("estimate-heldout").title = !h ? ""
    : h.region + (h.inside_range ? "" : "; this run lies outside the validated range");
  const notRandom = e && !e.random_labels;   // (then the estimate is for random labels, not the run's)
  setText("heldout-label", notRandom ? "its held-out errors (random labels)" : "its held-out errors");
  setText("estimate-label", notRandom ? "estimate (if the labels were random)" : "estimate (random labels)");
  setText("render-ms", S.lastRenderMs === null || !f ? "–" : `${S.lastRenderMs.toFixed(1)} ms`);
}

// A side chart's y axis: from `lo` to `hi` (widened where the series is flat, then out to whole steps), its ticks
// (about one per 30px of the chart's `height`; whole numbers for a count) and its labels in the compact form the
// plot's axes use ("2e4", "5e-9"): each label distinct and its tick's value. The ticks' numbers read "1, 1, 0" for a
// region count of 1 (0.5 to no decimals) and "18704.19" ran out of the chart's margin of 40px.
function chartScale(lo, hi, height, integer) {
  if (!(hi > lo)) {   // a flat series: a range around it (a count of 1: 0 to 2)
    const pad = integer ? 1 : Math.abs(lo) > 0 ? Math.abs(lo) / 10 : 1;
    lo -= pad; hi += pad;
  }
  const want = Math.max(2, Math.floor(height / 30)), opts = { integer, offset: false };
  const first = ticks(lo, hi, want, opts), step = first.length > 1 ? first[1].value - first[0].value : hi - lo;
  const y0 = Math.floor(lo / step + 1e-9) * step, y1 = Math.ceil(hi / step - 1e-9) * step;
  return { lo: y0, hi: y1, ticks: ticks(y0, y1, want, opts) };
}

const CHART_MARGIN = { l: 40, r: 8, t: 8, b: 20 }, CHART_FONT = "11px system-ui, sans-serif";

// A side chart's canvas holds as many pixels as it shows (times the screen's pixel ratio), as the plot's does, and
// its context draws in CSS pixels: its numbers are CHART_FONT's 11px on the screen at every width. (The canvases
// were 420px wide, shown at the column's width: at 400% zoom, 320 CSS px, a 268px column drew them at 7px, until
// the seventy-first pass on issue 11.) Its size in CSS pixels: the column's width, the height style.css gives it;
// the context's unit is one of them exactly (a box 267.8px wide holds 268 pixels: a scale of 268 / 267.8, not 1).
function fitChart(c) {
  const dpr = window.devicePixelRatio || 1, box = c.getBoundingClientRect();
  const W = box.width || c.width / dpr, H = box.height || c.height / dpr;
  if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) {
    c.width = Math.round(W * dpr); c.height = Math.round(H * dpr);
  }
  const ctx = c.getContext("2d");
  ctx.setTransform(c.width / W, 0, 0, c.height / H, 0, 0);
  return { ctx, W, H };
}

// The left margin the charts' labels need (at least CHART_MARGIN.l): the widest label, measured, plus 6px.
function chartMargin(ctx, scales) {
  ctx.font = CHART_FONT;
  let widest = 0;
  for (const sc of scales) for (const t of sc.ticks) widest = Math.max(widest, ctx.measureText(t.label).width);
  return Math.max(CHART_MARGIN.l, Math.ceil(widest) + 6);
}

// `opts`: xmax, colour, band, scale (chartScale's) and left (the left margin, chartMargin's).
function chart(canvas, series, opts) {
  const { ctx, W, H } = fitChart(canvas), m = { ...CHART_MARGIN, l: opts.left };
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  const xmax = opts.xmax || 1, { lo: ylo, hi: yhi } = opts.scale;
  const px = (x) => m.l + (x / xmax) * (W - m.l - m.r);
  const py = (y) => H - m.b - ((y - ylo) / (yhi - ylo || 1)) * (H - m.t - m.b);
  ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1; ctx.strokeRect(m.l, m.t, W - m.l - m.r, H - m.t - m.b);
  ctx.fillStyle = "#666"; ctx.font = CHART_FONT; ctx.textAlign = "right";
  for (const t of opts.scale.ticks) ctx.fillText(t.label, m.l - 4, py(t.value) + 4);
  ctx.textAlign = "left"; ctx.fillText("0", m.l, H - 5);
  ctx.textAlign = "right"; ctx.fillText(`${xmax} steps`, W - m.r, H - 5);
  if (opts.band) {
    const [lo, mid, hi] = opts.band;
    ctx.fillStyle = "rgba(224,120,42,0.18)";
    ctx.fillRect(m.l, py(Math.min(hi, yhi)), W - m.l - m.r, py(Math.max(lo, ylo)) - py(Math.min(hi, yhi)));
    ctx.strokeStyle = "#e0782a"; ctx.setLineDash([6, 4]); ctx.beginPath();
    ctx.moveTo(m.l, py(mid)); ctx.lineTo(W - m.r, py(mid)); ctx.stroke(); ctx.setLineDash([]);
  }
  ctx.strokeStyle = opts.colour; ctx.lineWidth = 1.6; ctx.beginPath();
  series.forEach(([x, y], i) => (i ? ctx.lineTo(px(x), py(y)) : ctx.moveTo(px(x), py(y))));
  ctx.stroke();
}

// The three charts share their left margin, so that their steps line up.
function drawCharts() {
  const h = S.history, steps = S.run ? S.run.settings.steps : 1, e = S.run && S.run.estimate;
  const ids = ["acc-chart", "loss-chart", "regions-chart"], [ca, cl, cr] = ids.map($);
  const inner = (c) => fitChart(c).H - CHART_MARGIN.t - CHART_MARGIN.b;
  const accs = h.map((p) => p.accuracy), losses = h.map((p) => p.loss).filter(Number.isFinite);
  const ylo = Math.min(0.4, ...accs, e ? e.low : 1);
  const counted = h.filter((p) => p.n_regions !== null), counts = counted.map((p) => p.n_regions);
  const scales = [chartScale(Math.floor(ylo * 10) / 10, 1, inner(ca), false),
                  chartScale(Math.min(0, ...losses), Math.max(0.1, ...losses), inner(cl), false),
                  chartScale(Math.min(0, ...counts), Math.max(1, ...counts), inner(cr), true)];
  const left = chartMargin(ca.getContext("2d"), scales);
  chart(ca, h.map((p) => [p.step, p.accuracy]),
        { xmax: steps, scale: scales[0], left, colour: "#2f6fd0", band: e ? [e.low, e.accuracy, e.high] : null });
  chart(cl, h.map((p) => [p.step, p.loss]), { xmax: steps, scale: scales[1], left, colour: "#444" });
  chart(cr, counted.map((p) => [p.step, p.n_regions]), { xmax: steps, scale: scales[2], left, colour: "#3a8a4a" });
}

// ---------------------------------------------------------------- export
function download(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob); a.download = name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}

function baseName() { return S.run ? `nnpartition-run${S.run.run}-step${S.frame ? S.frame.step : 0}` : "nnpartition"; }

// The exported figure explains itself: a title (the network, the data, the step and the numbers the page shows for
// it), the plot with its axes, and a key of its colours and marks; FIGURE is its size in CSS pixels.
const FIGURE = { w: 720, title: 56, plot: 700, key: 64 };
FIGURE.h = FIGURE.title + FIGURE.plot + FIGURE.key;

function figureTitle() {
  if (!S.run) return ["nnpartition explore", "no run yet"];
  const s = S.run.settings, f = S.frame, opt = $("data").querySelector(`option[value="${s.data}"]`);
  const net = [2, ...s.widths, 1].join(" \u2192 ");
  const first = `${net} network on ${opt ? opt.textContent : s.data}, N = ${S.run.X.length}; ${s.optimizer}, ` +
                `lr ${s.lr}, seed ${s.seed}`;
  if (!f) return [first, "no snapshot yet"];
  const regions = f.n_regions === null ? "too many regions to draw" : `${f.n_regions} linear regions in the window`;
  return [first, `step ${f.step} / ${s.steps} \u00b7 training accuracy ${fmt(f.accuracy)} \u00b7 loss ${fmt(f.loss)}` +
                 ` \u00b7 ${regions}`];
}

function keyItems() {
  const items = [];
  if ($("show-points").checked) {
    items.push(["point1", POINT[1], "label 1 point"], ["point0", POINT[0], "label 0 point"],
               ["cross", "#000", "misclassified"]);
  }
  if ($("color").value === "decision") items.push(["patch", mix(C1, 0.6), "predicted 1 region"],
                                                  ["patch", mix(C0, 0.6), "predicted 0 region"]);
  // (a colour a region: "linear regions (a colour each)" ran past the figure's edge as the fourth item of a row)
  else items.push(["patch", REGION_COLOURS[1], "linear regions"]);
  items.push(["line", "#111", "decision boundary"]);
  if ($("show-lines").checked) items.push(["dash", LINE, "first-layer line"]);
  return items;
}

function drawKey(ctx, x, y, w) {  // four items a row
  const items = keyItems(), col = w / 4;
  ctx.font = "13px system-ui, sans-serif";
  items.forEach(([kind, colour, text], i) => {
    const cx = x + (i % 4) * col, cy = y + Math.floor(i / 4) * 24;
    ctx.beginPath();
    if (kind.startsWith("point")) {
      pointPath(ctx, Number(kind[5]), cx + 9, cy, 4); ctx.fillStyle = colour; ctx.fill();
    }
    else if (kind === "patch") { ctx.fillStyle = colour; ctx.fillRect(cx + 1, cy - 7, 16, 14); }
    else if (kind === "cross") {
      ctx.strokeStyle = colour; ctx.lineWidth = 1.3;
      ctx.moveTo(cx + 4, cy - 5); ctx.lineTo(cx + 14, cy + 5); ctx.moveTo(cx + 14, cy - 5); ctx.lineTo(cx + 4, cy + 5);
      ctx.stroke();
    } else {
      ctx.strokeStyle = colour; ctx.lineWidth = kind === "line" ? 2.2 : 1.2;
      if (kind === "dash") ctx.setLineDash([5, 4]);
      ctx.moveTo(cx, cy); ctx.lineTo(cx + 18, cy); ctx.stroke(); ctx.setLineDash([]);
    }
    ctx.fillStyle = "#333"; ctx.textAlign = "left"; ctx.fillText(text, cx + 24, cy + 4);
  });
}

function drawFigure(ctx) {
  const F = FIGURE;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, F.w, F.h);
  const [first, second] = figureTitle();
  ctx.fillStyle = "#111"; ctx.textAlign = "center";
  ctx.font = "bold 15px system-ui, sans-serif"; ctx.fillText(first, F.w / 2, 22);
  ctx.font = "13px system-ui, sans-serif"; ctx.fillText(second, F.w / 2, 43);
  drawPlot(ctx, { x: (F.w - F.plot) / 2, y: F.title, w: F.plot, h: F.plot });
  drawKey(ctx, 20, F.title + F.plot + 18, F.w - 40);
}

// The SVG export replays the drawing on a recording context that writes SVG elements.
function svgContext(W, H) {
  const parts = [];
  let path = "", dash = "";
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const anchor = { left: "start", start: "start", center: "middle", right: "end", end: "end" };
  const ctx = {
    canvas: { width: W, height: H }, fillStyle: "#000", strokeStyle: "#000", lineWidth: 1, font: "10px sans-serif",
    textAlign: "left", lineCap: "butt",
    fillRect(x, y, w, h) {
      parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${this.fillStyle}"/>`);
    },
    beginPath() { path = ""; },
    moveTo(x, y) { path += `M${x.toFixed(2)} ${y.toFixed(2)}`; },
    lineTo(x, y) { path += `L${x.toFixed(2)} ${y.toFixed(2)}`; },
    closePath() { path += "Z"; },
    arc(x, y, r) {   // a whole circle: two half arcs
      path += `M${(x - r).toFixed(2)} ${y.toFixed(2)}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
    },
    fill() { parts.push(`<path d="${path}" fill="${this.fillStyle}"/>`); },
    stroke() {
      const cap = this.lineCap === "butt" ? "" : ` stroke-linecap="${this.lineCap}"`;
      parts.push(`<path d="${path}" fill="none" stroke="${this.strokeStyle}" ` +
                 `stroke-width="${this.lineWidth}"${dash}${cap}/>`);
    },
    setLineDash(a) { dash = a.length ? ` stroke-dasharray="${a.join(" ")}"` : ""; },
    fillText(t, x, y) {
      const size = (/(\d+(?:\.\d+)?)px/.exec(this.font) || [0, 10])[1];
      const style = (/\bbold\b/.test(this.font) ? ' font-weight="bold"' : "") +
                    (/\bitalic\b/.test(this.font) ? ' font-style="italic"' : "");
      const a = anchor[this.textAlign] || "start";
      parts.push(`<text x="${x}" y="${y}" fill="${this.fillStyle}" text-anchor="${a}" font-family="sans-serif" ` +
                 `font-size="${size}"${style}>${esc(t)}</text>`);
    },
  };
  ctx.toString = () => `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">\n` +
                       `${parts.join("\n")}\n</svg>\n`;
  return ctx;
}

function exportSvg() {
  const ctx = svgContext(FIGURE.w, FIGURE.h);
  drawFigure(ctx);
  download(new Blob([ctx.toString()], { type: "image/svg+xml" }), `${baseName()}.svg`);
}

// The PNG: the same figure, at twice its size in pixels (sharp on a slide or a projector).
function figureCanvas(scale = 2) {
  const c = document.createElement("canvas");
  c.width = FIGURE.w * scale; c.height = FIGURE.h * scale;
  const ctx = c.getContext("2d");
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  drawFigure(ctx);
  return c;
}

function exportPng() { figureCanvas().toBlob((b) => download(b, `${baseName()}.png`), "image/png"); }

// ---------------------------------------------------------------- wiring
async function init() {
  try {
    S.config = await (await fetch("/api/config")).json();
    $("N").max = S.config.limits.N; $("steps").max = S.config.limits.steps;
    // (the server's names as text: an option made of markup would run what it says)
    $("optimizer").replaceChildren(...S.config.optimizers.map((o) => new Option(o)));
  } catch (e) { showMessage(`cannot reach the server: ${e.message}`); }
  $("settings").addEventListener("submit", (ev) => { ev.preventDefault(); start(false); });
  // The browser's own check of a field (N below its min of 2, a number box it cannot read) stops a Start before it
  // reaches the server, and left an earlier message on the page ("widths[0] must be ... got 5000" for a width
  // already mended): the message names every field the browser refused, and why, in the server's words' place.
  let refused = null;
  $("settings").addEventListener("invalid", (ev) => {
    if (refused === null) { refused = []; setTimeout(() => { refused = null; }, 0); }
    refused.push(`${ev.target.name || ev.target.id}: ${ev.target.validationMessage}`);
    showMessage(refused.join("\n"));
  }, true);
  $("pause").addEventListener("click", () => control(S.status.state === "paused" ? "resume" : "pause"));
  $("step").addEventListener("click", () => {
    const active = S.status.state === "running" || S.status.state === "paused";
    if (active) control("step"); else start(true);
  });
  $("reset").addEventListener("click", () => control("reset"));
  $("data").addEventListener("change", () => { $("csv-row").hidden = $("data").value !== "csv"; });
  for (const id of ["color", "show-lines", "show-points"]) $(id).addEventListener("change", schedule);
  window.addEventListener("resize", schedule);
  $("export-png").addEventListener("click", exportPng);
  $("export-svg").addEventListener("click", exportSvg);
  // the export links take Space as the buttons beside them do (a link takes Enter only: Space scrolled the page)
  for (const id of ["export-npz", "export-json"]) {
    $(id).addEventListener("keydown", (ev) => { if (ev.key === " ") { ev.preventDefault(); $(id).click(); } });
  }
  // a control Tab reaches in the controls' panel scrolls clear of the run's buttons held at its bottom
  new ResizeObserver(() => {
    $("controls").style.scrollPaddingBottom = `${$("run-bar").offsetHeight + 8}px`;
  }).observe($("run-bar"));
  connect();
  schedule();
}

init();
