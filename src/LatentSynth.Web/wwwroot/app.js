// LatentSynth latent synthesizer page: no framework, no external requests.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const svgNS = 'http://www.w3.org/2000/svg';
  const W = 640, H = 480, PAD = 30;
  const body = document.body;
  const state = { info: null, z: null, tool: 'point', lastWav: null, lastName: 'latentsynth.wav', source: null, ctx: null, plays: 0, busy: false };
  let scale = null; // plane <-> pixels

  function status(text, error) { const s = $('status'); s.textContent = text; s.className = error ? 'error' : ''; }

  // ---- plane geometry ----------------------------------------------------------------------
  // The map's plane: the PCA plane from the server, or two latent dimensions through the notes' mean.
  function planeOf(value) {
    if (value === 'pca') return state.info.projection;
    const [a, b] = value.split(',').map(Number), d = state.info.latent_dim;
    const e = (k) => Array.from({ length: d }, (_, j) => (j === k ? 1 : 0));
    return { origin: state.info.mean.map((v, j) => (j === a || j === b ? 0 : v)), axis_x: e(a), axis_y: e(b), x_label: 'z[' + a + ']', y_label: 'z[' + b + ']', dims: [a, b] };
  }
  function project(z) {
    const p = state.proj; let x = 0, y = 0;
    for (let j = 0; j < z.length; j++) { const d = z[j] - p.origin[j]; x += d * p.axis_x[j]; y += d * p.axis_y[j]; }
    return [x, y];
  }
  function unproject(x, y) {
    const p = state.proj;
    return p.origin.map((o, j) => o + x * p.axis_x[j] + y * p.axis_y[j]);
  }
  function makeScale(notes) {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const n of notes) { const [x, y] = project(n.code); x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    const mx = Math.max(0.5, (x1 - x0) * 0.25), my = Math.max(0.5, (y1 - y0) * 0.25);
    x0 -= mx; x1 += mx; y0 -= my; y1 += my;
    return {
      toPx: (x, y) => [PAD + (x - x0) / (x1 - x0) * (W - 2 * PAD), H - PAD - (y - y0) / (y1 - y0) * (H - 2 * PAD)],
      toPlane: (px, py) => [x0 + (px - PAD) / (W - 2 * PAD) * (x1 - x0), y0 + (H - PAD - py) / (H - 2 * PAD) * (y1 - y0)],
      step: Math.max(x1 - x0, y1 - y0) / 40,
    };
  }
  function eventPlane(e) {
    const r = $('map').getBoundingClientRect();
    return scale.toPlane((e.clientX - r.left) * W / r.width, (e.clientY - r.top) * H / r.height);
  }

  // ---- colours and the map -----------------------------------------------------------------
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
  function colourOf(n, by, notes) {
    if (by === 'pitch') {
      const ps = notes.map((m) => m.pitch), lo = Math.min(...ps), hi = Math.max(...ps);
      const t = hi > lo ? (n.pitch - lo) / (hi - lo) : 0.5;
      return `hsl(${Math.round(260 - 220 * t)},70%,45%)`;
    }
    const keys = [...new Set(notes.map((m) => m[by]))].sort();
    return palette[keys.indexOf(n[by]) % palette.length];
  }
  function el(name, attrs) { const e = document.createElementNS(svgNS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; }

  function drawMap() {
    const svg = $('map'), notes = state.info.notes, by = $('colour-by').value;
    svg.textContent = '';
    const [ox, oy] = scale.toPx(0, 0);
    svg.appendChild(el('line', { x1: PAD, y1: oy, x2: W - PAD, y2: oy, stroke: '#eee' }));
    svg.appendChild(el('line', { x1: ox, y1: PAD, x2: ox, y2: H - PAD, stroke: '#eee' }));
    const xl = el('text', { x: W - PAD, y: H - 8, 'text-anchor': 'end', 'font-size': 11, fill: '#666' }); xl.textContent = state.proj.x_label; svg.appendChild(xl);
    const yl = el('text', { x: 8, y: 16, 'font-size': 11, fill: '#666' }); yl.textContent = state.proj.y_label; svg.appendChild(yl);
    for (const n of notes) {
      const [nx, ny] = project(n.code), [px, py] = scale.toPx(nx, ny);
      const c = el('circle', { class: 'note', cx: px, cy: py, r: 5, fill: colourOf(n, by, notes), 'data-id': n.id });
      const t = el('title', {}); t.textContent = describe(n); c.appendChild(t);
      c.addEventListener('pointerenter', () => { $('hover').textContent = describe(n); });
      svg.appendChild(c);
    }
    svg.appendChild(el('polyline', { id: 'path-line', fill: 'none', stroke: '#000', 'stroke-width': 1.5, points: '' }));
    svg.appendChild(el('circle', { id: 'cursor', r: 7, fill: 'none', stroke: '#000', 'stroke-width': 2, cx: -20, cy: -20 }));
    const legend = $('legend'); legend.textContent = '';
    if (by === 'pitch') {
      const ps = notes.map((m) => m.pitch);
      for (const [hue, label] of [[260, 'pitch ' + Math.min(...ps)], [40, 'pitch ' + Math.max(...ps)]]) {
        const s = document.createElement('span'), i = document.createElement('i');
        i.style.background = `hsl(${hue},70%,45%)`; s.appendChild(i); s.appendChild(document.createTextNode(label)); legend.appendChild(s);
      }
    } else {
      for (const k of [...new Set(notes.map((m) => m[by]))].sort()) {
        const s = document.createElement('span'), i = document.createElement('i');
        i.style.background = colourOf({ [by]: k }, by, notes); s.appendChild(i); s.appendChild(document.createTextNode(k)); legend.appendChild(s);
      }
    }
    showPoint();
  }
  function describe(n) { return `${n.id}: ${n.instrument} (${n.family}), ${n.note_name} (MIDI ${n.pitch}), ${n.dynamics}`; }
  function showPoint() {
    if (!state.z) return;
    const [x, y] = project(state.z), [px, py] = scale.toPx(x, y), c = $('cursor');
    if (c) { c.setAttribute('cx', px); c.setAttribute('cy', py); }
  }
  function showPath(points) {
    $('path-line').setAttribute('points', points.map(([x, y]) => scale.toPx(x, y).map((v) => v.toFixed(1)).join(',')).join(' '));
  }

  // ---- sliders -------------------------------------------------------------------------------
  function buildSliders() {
    const box = $('sliders'); box.textContent = '';
    for (let j = 0; j < state.info.latent_dim; j++) {
      const l = document.createElement('label'), s = document.createElement('input'), v = document.createElement('output');
      s.type = 'range'; s.min = -4; s.max = 4; s.step = 0.05; s.id = 'dim-' + j; s.setAttribute('aria-label', 'z[' + j + ']');
      s.addEventListener('input', () => { v.textContent = Number(s.value).toFixed(2); });
      s.addEventListener('change', () => { state.z[j] = Number(s.value); showPoint(); saveHash(); playPoint(); });
      l.appendChild(document.createTextNode('z' + j)); l.appendChild(s); l.appendChild(v); box.appendChild(l);
    }
  }
  function syncSliders() {
    state.z.forEach((v, j) => { const s = $('dim-' + j); if (s) { s.value = v; s.nextSibling.textContent = v.toFixed(2); } });
  }

  // ---- URL hash ------------------------------------------------------------------------------
  function saveHash() {
    const h = new URLSearchParams({ z: state.z.map((v) => v.toFixed(3)).join(','), tool: $('tool').value, dur: $('duration').value, by: $('colour-by').value, plane: $('plane').value });
    history.replaceState(null, '', '#' + h.toString());
  }
  function loadHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    const z = (h.get('z') || '').split(',').map(Number);
    if (z.length === state.info.latent_dim && z.every(Number.isFinite)) state.z = z;
    if (h.get('tool') && [...$('tool').options].some((o) => o.value === h.get('tool'))) $('tool').value = h.get('tool');
    if (h.get('dur') && Number(h.get('dur')) > 0) $('duration').value = h.get('dur');
    if (h.get('plane') && [...$('plane').options].some((o) => o.value === h.get('plane'))) $('plane').value = h.get('plane');
    if (h.get('by') && [...$('colour-by').options].some((o) => o.value === h.get('by'))) $('colour-by').value = h.get('by');
  }

  // ---- sound ---------------------------------------------------------------------------------
  function audioContext() {
    if (!state.ctx) state.ctx = new (window.AudioContext || window.webkitAudioContext)();
    if (state.ctx.state === 'suspended') state.ctx.resume();
    return state.ctx;
  }
  function duration(max) { return Math.min(max, Math.max(0.05, Number($('duration').value) || 1)); }
  function iterations() { return Math.min(200, Math.max(1, Math.round(Number($('iterations').value) || 32))); }

  async function request(url, payload, label) {
    if (state.busy) return; // one sound at a time from this page
    state.busy = true; status('decoding ' + label + '…');
    const t0 = performance.now();
    try {
      const r = await fetch(url + '?format=json', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
      const j = await r.json();
      if (!r.ok) { status(j.error || ('error ' + r.status), true); body.dataset.lastError = j.error || String(r.status); return; }
      const wav = Uint8Array.from(atob(j.wav), (c) => c.charCodeAt(0));
      state.lastWav = wav; state.lastName = 'latentsynth-' + label.replace(/[^a-z0-9-]+/gi, '-') + '.wav';
      $('export').disabled = false;
      $('spectrogram').src = 'data:image/png;base64,' + j.spectrogram;
      $('caption').textContent = `${label}: ${j.seconds.toFixed(2)} s, decoded in ${Math.round(j.milliseconds)} ms (Griffin-Lim spectral convergence ${j.spectral_convergence.toFixed(3)})`;
      state.lastPath = j.points; showPath(j.points.map(project));
      await play(wav);
      body.dataset.lastKind = label.split(' ')[0];
      status(`${label}: played, ${Math.round(performance.now() - t0)} ms from request to sound`);
    } catch (e) {
      status('failed: ' + e.message, true); body.dataset.lastError = e.message;
    } finally { state.busy = false; }
  }

  async function play(wav) {
    const ctx = audioContext();
    const buffer = await ctx.decodeAudioData(wav.buffer.slice(0));
    const data = buffer.getChannelData(0); let s = 0;
    for (let i = 0; i < data.length; i++) s += data[i] * data[i];
    body.dataset.lastRms = Math.sqrt(s / Math.max(1, data.length)).toFixed(6);
    body.dataset.lastSampleRate = buffer.sampleRate;
    stop();
    const src = ctx.createBufferSource(); src.buffer = buffer; src.loop = $('loop').checked; src.connect(ctx.destination); src.start();
    state.source = src;
    state.plays += 1; body.dataset.plays = state.plays;
  }
  function stop() { if (state.source) { try { state.source.stop(); } catch (e) { /* already stopped */ } state.source = null; } }

  function playPoint() {
    syncSliders();
    return request('/api/point', { z: state.z, seconds: duration(4), iterations: iterations() }, 'point');
  }

  function playTool() {
    const tool = $('tool').value, seconds = duration(10), it = iterations();
    if (tool === 'point') return playPoint();
    const spec = { kind: tool, seconds, iterations: it };
    const info = state.info.path_kinds.find((k) => k.name === tool);
    if (info && info.ends !== 'center') { spec.from = $('from').value; spec.to = $('to').value; }
    else { spec.center = state.z; if (state.proj.dims) spec.dims = state.proj.dims; spec.radius = Number($('radius').value); spec.turns = Number($('turns').value); spec.seed = Math.max(0, Math.round(Number($('seed').value) || 0)); }
    return request('/api/path', spec, tool + ' path');
  }

  function exportWav() {
    if (!state.lastWav) return;
    const blob = new Blob([state.lastWav], { type: 'audio/wav' }), a = document.createElement('a');
    a.href = URL.createObjectURL(blob); a.download = state.lastName; document.body.appendChild(a); a.click(); a.remove();
    body.dataset.exportBytes = state.lastWav.length;
    body.dataset.exportHeader = String.fromCharCode(...state.lastWav.slice(0, 4)) + '/' + String.fromCharCode(...state.lastWav.slice(8, 12));
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  // ---- map interaction: click plays a point, drag draws a path -----------------------------
  function wireMap() {
    const svg = $('map'); let drawing = null;
    svg.addEventListener('pointerdown', (e) => { svg.focus(); svg.setPointerCapture(e.pointerId); drawing = [eventPlane(e)]; });
    svg.addEventListener('pointermove', (e) => {
      if (!drawing) return;
      const p = eventPlane(e), q = drawing[drawing.length - 1];
      if (Math.hypot(p[0] - q[0], p[1] - q[1]) > scale.step / 8 && drawing.length < 2000) { drawing.push(p); showPath(drawing); }
    });
    svg.addEventListener('pointerup', (e) => {
      if (!drawing) return;
      const pts = drawing; drawing = null; pts.push(eventPlane(e));
      const [x0, y0] = pts[0], [x1, y1] = pts[pts.length - 1];
      let length = 0; for (let i = 1; i < pts.length; i++) length += Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]);
      if (length < scale.step / 2) { state.z = unproject(x0, y0); showPoint(); saveHash(); playPoint(); return; }
      state.z = unproject(x1, y1); showPoint(); saveHash();
      // Sent as latent points: the server's plane coordinates are the PCA plane's, the map may show another.
      const latent = pts.slice(0, 2000).map(([x, y]) => unproject(x, y).map((v) => Math.round(v * 1e4) / 1e4));
      request('/api/path', { kind: 'drawn', space: 'latent', points: latent, seconds: duration(10), iterations: iterations() }, 'drawn path');
    });
    svg.addEventListener('keydown', (e) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      if (moves[e.key]) {
        e.preventDefault();
        const [x, y] = project(state.z), [dx, dy] = moves[e.key];
        // Move within the plane, keeping the point's other components.
        const p = state.proj;
        state.z = state.z.map((v, j) => v + scale.step * (dx * p.axis_x[j] + dy * p.axis_y[j]));
        void x; void y; showPoint(); saveHash(); playPoint();
      }
    });
  }
  document.addEventListener('keydown', (e) => {
    if (e.key === ' ' && !(e.target instanceof HTMLInputElement) && !(e.target instanceof HTMLSelectElement) && !(e.target instanceof HTMLButtonElement)) {
      e.preventDefault(); playTool();
    }
  });

  // ---- start -----------------------------------------------------------------------------------
  async function start() {
    try {
      const r = await fetch('/api/info');
      state.info = await r.json();
    } catch (e) { status('could not load the map: ' + e.message, true); return; }
    const notes = state.info.notes, d = state.info.latent_dim;
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) {
      const o = document.createElement('option'); o.value = a + ',' + b; o.textContent = 'z[' + a + '], z[' + b + ']'; $('plane').appendChild(o);
    }
    state.z = state.info.mean.slice();
    // The tool list comes from the server's path kinds (one descriptor per kind, shared with the command line).
    for (const k of state.info.path_kinds) {
      const o = document.createElement('option'); o.value = k.name; o.textContent = k.name.replace('-', ' '); o.title = k.description; $('tool').appendChild(o);
    }
    for (const id of ['from', 'to']) {
      const s = $(id);
      for (const n of notes) { const o = document.createElement('option'); o.value = n.id; o.textContent = n.id; s.appendChild(o); }
    }
    if (notes.length > 1) $('to').selectedIndex = notes.length - 1;
    loadHash();
    state.proj = planeOf($('plane').value);
    scale = makeScale(notes);
    buildSliders(); syncSliders(); drawMap(); wireMap();
    $('colour-by').addEventListener('change', () => { drawMap(); saveHash(); });
    $('plane').addEventListener('change', () => {
      state.proj = planeOf($('plane').value); scale = makeScale(notes); drawMap();
      if (state.lastPath) showPath(state.lastPath.map(project));
      saveHash();
    });
    $('tool').addEventListener('change', saveHash);
    $('duration').addEventListener('change', saveHash);
    $('play').addEventListener('click', playTool);
    $('play-path').addEventListener('click', playTool);
    $('stop').addEventListener('click', stop);
    $('export').addEventListener('click', exportWav);
    status(`${notes.length} notes, ${state.info.latent_dim} latent dimensions, ${state.info.sample_rate} Hz. Click the map to play.`);
    body.dataset.ready = '1';
  }
  start();
})();
