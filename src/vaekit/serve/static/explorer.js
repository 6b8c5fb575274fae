// vaekit explorer: the page at / of `vaekit serve`. Plain JavaScript with no library, so that it runs offline:
// it reads /runs and /runs/NAME/explorer/* (src/vaekit/serve/explorer_routes.py) and draws with canvas and SVG.
"use strict";

const PALETTE = ["#3b6fb6", "#e8833a", "#3a9a4f", "#c93c3c", "#8a63b8", "#8c5a48", "#d96fb8", "#7a7a7a",
  "#b5b52e", "#2eb5c4"];
const STEPS = 8; // decodings along an interpolation
const SHOWN_PIXELS = 112; // an image is scaled up to about this many pixels on its longer side

const state = { run: null, view: null, code: null, picked: null, a: null, b: null, dragging: false,
  token: sessionStorage.getItem("vaekit-token") };

// ---- talking to the service ----------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const body = await response.json().catch(() => ({ error: response.status + " " + response.statusText }));
  if (response.status === 401) document.getElementById("token-form").hidden = false;
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function runPath(tail) {
  return "/runs/" + encodeURIComponent(state.run) + "/explorer" + tail;
}

// the class a run with classes (a conditional or semi-supervised VAE) decodes with; null for the others
function chosenClass() {
  return state.view && state.view.classes ? Number(document.getElementById("class").value) : null;
}

async function decode(codes) {
  const cls = chosenClass(), body = cls === null ? { z: codes } : { z: codes, y: codes.map(() => cls) };
  return api(runPath("/decode"), { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body) });
}

// One request at a time per target: while one is out, only the newest wish waits (a drag sends many).
const pending = {};
function latest(target, work) {
  const slot = pending[target] || (pending[target] = { busy: false, next: null });
  slot.next = work;
  if (slot.busy) return;
  (async () => {
    slot.busy = true;
    while (slot.next) {
      const job = slot.next;
      slot.next = null;
      try { await job(); } catch (failure) { say(failure.message, true); }
    }
    slot.busy = false;
  })();
}

// [low, high] of the values that are not null, by a loop: spreading a large picture into Math.min overflows the
// call stack; a flat range is widened by one so that divisions by its width stay finite
function range(values) {
  let low = Infinity, high = -Infinity;
  for (const v of values) if (v !== null) { if (v < low) low = v; if (v > high) high = v; }
  if (low === Infinity) return [0, 1];
  return [low, high > low ? high : low + 1];
}

function say(text, error = false) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("error", error);
}

// ---- drawing what a run's data are -----------------------------------------------------------------------------

function imageCanvas(channels, unit) {
  // channels: C x H x W values; [0, 1] pictures as they are, other values (log powers) stretched to their range
  const c = channels.length, h = channels[0].length, w = channels[0][0].length;
  let low = 0, high = 1;
  if (!unit) [low, high] = range(channels.flat(2));
  const level = (v) => Math.round(255 * Math.min(1, Math.max(0, ((v === null ? low : v) - low) / (high - low))));
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const context = canvas.getContext("2d");
  const picture = context.createImageData(w, h);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const at = 4 * (i * w + j);
      const grey = c <= 2;
      for (let k = 0; k < 3; k++) picture.data[at + k] = level(channels[grey ? 0 : k][i][j]);
      picture.data[at + 3] = c === 2 || c === 4 ? level(channels[c - 1][i][j]) : 255;
    }
  }
  context.putImageData(picture, 0, 0);
  const scale = Math.max(1, Math.floor(SHOWN_PIXELS / Math.max(h, w)));
  canvas.style.width = Math.min(w * scale, 256) + "px";
  return canvas;
}

function heatCanvas(values) {
  // values: H x W over the map's own range, black (least) through red to yellow (most); grey: not scored
  const [low, high] = range(values.flat());
  const rgb = values.map((row) => row.map((v) => {
    if (v === null) return [0.6, 0.6, 0.6];
    const t = (v - low) / (high - low);
    return [Math.min(1, 2 * t), Math.max(0, 2 * t - 1), 0];
  }));
  return imageCanvas([0, 1, 2].map((k) => rgb.map((row) => row.map((p) => p[k]))), true);
}

function seriesCanvas(steps, labels) {
  // steps: T x C values (null after the series' end); one line per channel
  const canvas = document.createElement("canvas");
  canvas.width = 320; canvas.height = 120;
  const context = canvas.getContext("2d");
  const [low, high] = range(steps.flat());
  const channels = steps.length ? steps[0].length : 0;
  for (let k = 0; k < channels; k++) {
    context.strokeStyle = PALETTE[k % PALETTE.length];
    context.beginPath();
    let drawing = false;
    steps.forEach((row, t) => {
      if (row[k] === null) { drawing = false; return; }
      const x = 4 + (312 * t) / Math.max(1, steps.length - 1), y = 116 - (112 * (row[k] - low)) / (high - low);
      if (drawing) context.lineTo(x, y); else context.moveTo(x, y);
      drawing = true;
    });
    context.stroke();
  }
  if (labels) canvas.title = labels;
  return canvas;
}

function rowsTable(columns, rows, names) {
  const table = document.createElement("table");
  table.className = "rows";
  const head = table.insertRow();
  head.appendChild(document.createElement("th"));
  columns.forEach((name) => { const th = document.createElement("th"); th.textContent = name; head.appendChild(th); });
  rows.forEach((row, i) => {
    const line = table.insertRow();
    const th = document.createElement("th");
    th.textContent = names ? names[i] : String(i);
    line.appendChild(th);
    row.forEach((value) => {
      line.insertCell().textContent = value === null ? "" : typeof value === "number" ? format(value) : value;
    });
  });
  return table;
}

function format(value) {
  return Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3)
    : String(Math.round(value * 1000) / 1000);
}

// shown: what the service sent ({form, values | rows}); names: a label per example (tables)
function render(target, shown, names) {
  const box = typeof target === "string" ? document.getElementById(target) : target;
  box.replaceChildren();
  if (shown.form === "image") shown.values.forEach((one) => box.appendChild(imageCanvas(one, shown.unit)));
  else if (shown.form === "series") shown.values.forEach((one) => box.appendChild(seriesCanvas(one)));
  else if (shown.form === "rows") box.appendChild(rowsTable(shown.columns, shown.rows, names));
  else box.textContent = "this run's examples are not drawn here (text): see vaekit sample and reconstruct";
}

function together(first, second) {
  // an input and its reconstruction, side by side (pictures) or as two labelled rows (tables)
  if (first.form === "rows") return { form: "rows", columns: first.columns, rows: first.rows.concat(second.rows) };
  return { form: first.form, unit: first.unit, values: first.values.concat(second.values) };
}

function mapView(target, map, form, columns) {
  const box = document.getElementById(target);
  box.replaceChildren();
  document.getElementById("map-title").textContent = "Per-entry map";
  if (!map) { box.textContent = "no score of this run splits over entries"; return; }
  document.getElementById("map-title").textContent = "Per-entry map (" + map.kind + ")";
  const first = map.values[0];
  if (form === "image") box.appendChild(heatCanvas(first));
  else if (form === "series") box.appendChild(seriesCanvas(first.map((v) => [v])));
  else box.appendChild(bars(columns || first.map((_, i) => "x" + i), [first], ["#c93c3c"], true));
}

// ---- charts (SVG) ----------------------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
function svgNode(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// bars: one group per label, one bar per series; horizontal bars with their labels when `across`
function bars(labels, series, colours, across) {
  const width = 260, gap = 2;
  if (across) {
    const height = 16 * labels.length + 4, high = Math.max(range(series[0].map((v) => Math.abs(v || 0)))[1], 1e-12);
    const svg = svgNode("svg", { width, height, class: "chart" });
    labels.forEach((label, i) => {
      const value = series[0][i] || 0;
      svg.appendChild(svgNode("text", { x: 0, y: 16 * i + 13 }, label.slice(0, 18)));
      svg.appendChild(svgNode("rect", { x: 120, y: 16 * i + 3, height: 12, fill: colours[0],
        width: Math.max(1, (130 * Math.abs(value)) / high) }));
    });
    return svg;
  }
  const height = 110, high = Math.max(range(series.flat())[1], 1e-12), slot = (width - 10) / labels.length;
  const svg = svgNode("svg", { width, height: height + 18, class: "chart" });
  labels.forEach((label, i) => {
    series.forEach((values, s) => {
      const h = (height * values[i]) / high, w = Math.max(1, (slot - gap) / series.length);
      svg.appendChild(svgNode("rect", { x: 5 + i * slot + s * w, y: height - h, width: w, height: h,
        fill: colours[s] }));
    });
  });
  if (labels.length <= 12) {
    labels.forEach((label, i) => svg.appendChild(svgNode("text", { x: 5 + i * slot, y: height + 14 },
      String(label).slice(0, Math.max(3, Math.floor(slot / 7))))));
  }
  return svg;
}

async function showColumns() {
  const found = await api(runPath("/columns"));
  const box = document.getElementById("column-charts");
  box.replaceChildren();
  found.columns.forEach((column) => {
    const panel = document.createElement("div");
    panel.className = "chart";
    const title = document.createElement("div");
    const labels = column.type === "levels" ? column.levels
      : column.real.map((_, i) => format(column.edges[i]));
    title.textContent = column.name + (column.type === "numbers"
      ? " (" + format(column.edges[0]) + " to " + format(column.edges[column.edges.length - 1]) + ")" : "");
    panel.append(title, bars(labels, [column.real, column.synthetic], ["#3b6fb6", "#e8833a"], false));
    box.appendChild(panel);
  });
  document.getElementById("columns").hidden = false;
}

// ---- the scatter ----------------------------------------------------------------------------------------------

function frame() {
  const xy = state.view.xy;
  const us = xy.map((p) => p[0]), vs = xy.map((p) => p[1]);
  const pad = (low, high) => { const m = 0.08 * (high - low || 1); return [low - m, high + m]; };
  return { u: pad(Math.min(...us), Math.max(...us)), v: pad(Math.min(...vs), Math.max(...vs)) };
}

function toCanvas(u, v, canvas, box) {
  return [(canvas.width * (u - box.u[0])) / (box.u[1] - box.u[0]),
    canvas.height * (1 - (v - box.v[0]) / (box.v[1] - box.v[0]))];
}

function drawScatter(pointer) {
  const canvas = document.getElementById("scatter"), context = canvas.getContext("2d"), box = frame();
  context.clearRect(0, 0, canvas.width, canvas.height);
  const labels = state.view.labels;
  state.view.xy.forEach(([u, v], i) => {
    const [x, y] = toCanvas(u, v, canvas, box);
    context.fillStyle = labels ? PALETTE[labels[i] % PALETTE.length] : "#3b6fb6";
    context.globalAlpha = 0.75;
    context.beginPath(); context.arc(x, y, 3, 0, 2 * Math.PI); context.fill();
  });
  context.globalAlpha = 1;
  [[state.a, "A"], [state.b, "B"], [state.picked, ""]].forEach(([index, mark]) => {
    if (index === null) return;
    const [x, y] = toCanvas(...state.view.xy[index], canvas, box);
    context.strokeStyle = "#1d2330"; context.lineWidth = 2;
    context.beginPath(); context.arc(x, y, 6, 0, 2 * Math.PI); context.stroke();
    if (mark) { context.fillStyle = "#1d2330"; context.font = "bold 13px sans-serif"; context.fillText(mark, x + 7, y - 7); }
  });
  if (pointer) {
    context.strokeStyle = "#c93c3c"; context.lineWidth = 1.5;
    context.beginPath(); context.moveTo(pointer[0] - 7, pointer[1]); context.lineTo(pointer[0] + 7, pointer[1]);
    context.moveTo(pointer[0], pointer[1] - 7); context.lineTo(pointer[0], pointer[1] + 7); context.stroke();
  }
}

function legend() {
  const box = document.getElementById("legend"), view = state.view;
  box.replaceChildren();
  if (!view.labels) return;
  [...new Set(view.labels)].sort((a, b) => a - b).forEach((label) => {
    const item = document.createElement("span"), dot = document.createElement("i");
    dot.style.background = PALETTE[label % PALETTE.length];
    item.append(dot, view.class_names ? view.class_names[label] : String(label));
    box.appendChild(item);
  });
}

function planeCode(u, v) {
  const view = state.view;
  return view.center.map((c, j) => c + u * view.axes[0][j] + v * view.axes[1][j]);
}

function pointerAt(event) {
  const canvas = document.getElementById("scatter"), rect = canvas.getBoundingClientRect(), box = frame();
  const x = ((event.clientX - rect.left) * canvas.width) / rect.width;
  const y = ((event.clientY - rect.top) * canvas.height) / rect.height;
  const u = box.u[0] + (x / canvas.width) * (box.u[1] - box.u[0]);
  const v = box.v[0] + (1 - y / canvas.height) * (box.v[1] - box.v[0]);
  let nearest = null, best = 36; // within 6 canvas pixels
  state.view.xy.forEach(([pu, pv], i) => {
    const [px, py] = toCanvas(pu, pv, canvas, box), d = (px - x) ** 2 + (py - y) ** 2;
    if (d < best) { best = d; nearest = i; }
  });
  return { x, y, u, v, nearest };
}

function decodePointer(at) {
  drawScatter([at.x, at.y]);
  document.getElementById("pointer").textContent = "plane point (" + format(at.u) + ", " + format(at.v) + ")";
  latest("pointer", async () => render("decoded", await decode([planeCode(at.u, at.v)])));
}

async function pick(index) {
  const run = state.run;
  state.picked = index;
  state.code = state.view.z[index].slice();
  const found = await api(runPath("/examples/" + index));
  if (state.run !== run) return; // another run was chosen meanwhile
  if (state.view.classes && state.view.labels) document.getElementById("class").value = state.view.labels[index];
  render("picked", together(found.input, found.reconstruction), ["input", "reconstruction"]);
  document.getElementById("set-a").disabled = document.getElementById("set-b").disabled = false;
  setSliders();
  drawScatter();
}

// ---- sliders and interpolation -----------------------------------------------------------------------------

function buildSliders() {
  const box = document.getElementById("sliders");
  box.replaceChildren();
  document.getElementById("order-by").textContent = state.view.order_by;
  state.view.dims.forEach((dim) => {
    const label = document.createElement("label"), input = document.createElement("input");
    const value = document.createElement("span");
    label.textContent = "z" + dim.index + (dim.kl === null ? "" : " \u00b7 KL " + format(dim.kl));
    label.htmlFor = input.id = "slider-" + dim.index;
    Object.assign(input, { type: "range", min: dim.low, max: dim.high, step: (dim.high - dim.low) / 200 });
    input.dataset.dim = dim.index;
    value.id = "value-" + dim.index;
    input.addEventListener("input", () => {
      state.code[dim.index] = Number(input.value);
      value.textContent = format(Number(input.value));
      latest("traversal", async () => render("traversed", await decode([state.code.slice()])));
    });
    box.append(label, input, value);
  });
}

function setSliders() {
  state.view.dims.forEach((dim) => {
    const input = document.getElementById("slider-" + dim.index);
    input.value = state.code[dim.index];
    document.getElementById("value-" + dim.index).textContent = format(state.code[dim.index]);
  });
  latest("traversal", async () => render("traversed", await decode([state.code.slice()])));
}

function setEnd(which) {
  if (which) state[which] = state.picked;
  const name = (i) => (i === null ? "none" : "example " + i);
  document.getElementById("ends").textContent = "A: " + name(state.a) + " \u00b7 B: " + name(state.b);
  drawScatter();
  if (state.a === null || state.b === null) return;
  const from = state.view.z[state.a], to = state.view.z[state.b];
  const codes = [...Array(STEPS).keys()].map((s) => from.map((f, j) => f + ((to[j] - f) * s) / (STEPS - 1)));
  latest("path", async () => render("path", await decode(codes), codes.map((_, s) => "t=" + format(s / (STEPS - 1)))));
}

// ---- uploads --------------------------------------------------------------------------------------------------

async function upload(event) {
  event.preventDefault();
  const file = document.getElementById("upload-file").files[0], row = document.getElementById("upload-row");
  const body = file ? await file.arrayBuffer() : row.value;
  const name = file ? file.name : "row.csv", cls = chosenClass();
  if (!file && !row.value.trim()) { say("choose a file to upload first", true); return; }
  say("scoring " + name + "...");
  const found = await api(runPath("/upload?name=" + encodeURIComponent(name) + (cls === null ? "" : "&y=" + cls)),
    { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body });
  const names = found.input.form === "rows" ? found.input.rows.map((_, i) => "row " + (i + 1)) : undefined;
  render("upload-input", found.input, names);
  render("upload-reconstruction", found.reconstruction, names);
  mapView("upload-map", found.map, found.input.form, found.input.columns);
  const table = document.getElementById("upload-scores");
  table.replaceChildren();
  Object.entries(found.scores).forEach(([kind, values]) => {
    const line = table.insertRow();
    line.insertCell().textContent = kind;
    line.insertCell().textContent = values[0] === null ? "n/a" : format(values[0]);
  });
  const shownCount = (found.input.rows || found.input.values || []).length;
  say(name + ": " + found.count + " example" + (found.count === 1 ? "" : "s") + " read" +
    (found.count > shownCount ? ", the first " + shownCount + " shown" : "") +
    "; scores of the first (higher: more anomalous)");
}

// ---- starting ---------------------------------------------------------------------------------------------------

async function choose(name) {
  state.run = name;
  Object.assign(state, { view: null, picked: null, a: null, b: null });
  Object.values(pending).forEach((slot) => { slot.next = null; }); // work queued for the previous run
  ["decoded", "picked", "traversed", "path", "upload-input", "upload-reconstruction", "upload-map"].forEach(
    (id) => document.getElementById(id).replaceChildren());
  document.getElementById("upload-scores").replaceChildren();
  document.getElementById("picked").textContent = "none yet: click a dot";
  document.getElementById("ends").textContent = "A: none \u00b7 B: none";
  say("encoding " + name + "'s test split...");
  const view = await api(runPath(""));
  if (state.run !== name) return; // another run was chosen meanwhile
  state.view = view;
  state.code = view.center.slice();
  const classes = document.getElementById("class");
  classes.replaceChildren(...(view.classes || []).map((label, c) => new Option(label, String(c))));
  document.getElementById("class-box").hidden = !view.classes;
  legend();
  drawScatter();
  buildSliders();
  setSliders();
  latest("pointer", async () => render("decoded", await decode([view.center.slice()])));
  const rows = view.form === "rows";
  document.getElementById("row-box").hidden = !rows;
  document.getElementById("upload-row").value = view.example_csv || "";
  document.getElementById("columns").hidden = true;
  say(view.count + " examples of " + view.source + " (" + view.split + " split)" +
    (view.axes.length && view.center.length > 2 ? "; the plane is their first two principal axes" : ""));
  if (rows) await showColumns();
}

async function start() {
  const found = await api("/runs");
  const select = document.getElementById("run");
  select.replaceChildren(...found.runs.map((run) => new Option(run.name, run.name)));
  document.getElementById("run-picker").hidden = found.runs.length < 2;
  const describe = (run) => run.data_kind + " " + JSON.stringify(run.shape) + ", " + run.latent_dim +
    " latent dimensions, " + run.likelihood + " likelihood";
  const facts = () => { document.getElementById("run-facts").textContent =
    describe(found.runs.find((run) => run.name === select.value)); };
  select.onchange = () => { facts(); choose(select.value).catch((failure) => say(failure.message, true)); };
  facts();
  await choose(found.runs[0].name);
}

function wire() {
  const canvas = document.getElementById("scatter");
  canvas.addEventListener("mousedown", (event) => {
    if (!state.view) return;
    state.dragging = true;
    const at = pointerAt(event);
    decodePointer(at);
    if (at.nearest !== null) pick(at.nearest).catch((failure) => say(failure.message, true));
  });
  canvas.addEventListener("mousemove", (event) => { if (state.dragging && state.view) decodePointer(pointerAt(event)); });
  window.addEventListener("mouseup", () => { state.dragging = false; });
  document.getElementById("class").onchange = () => { setSliders(); setEnd(null); }; // redecode in that class
  document.getElementById("set-a").onclick = () => setEnd("a");
  document.getElementById("set-b").onclick = () => setEnd("b");
  document.getElementById("upload-form").addEventListener("submit", (event) =>
    upload(event).catch((failure) => say(failure.message, true)));
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = document.getElementById("token").value;
    sessionStorage.setItem("vaekit-token", state.token);
    document.getElementById("token-form").hidden = true;
    start().catch((failure) => say(failure.message, true));
  });
}

wire();
start().catch((failure) => say(failure.message, true));
