// LatentSynth music page: no framework, no external requests. Sound: the server's FluidSynth renders (WAV),
// decoded and played with Web Audio.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const state = { info: null, ctx: null, source: null, plays: 0, images: 0, interp: null, inpaint: null, samples: null };

  function status(text, error) { const s = $('status'); s.textContent = text; s.className = error ? 'error' : ''; if (error) body.dataset.lastError = text; }
  function opt(sel, value, text, disabled) { const o = document.createElement('option'); o.value = value; o.textContent = text; o.disabled = !!disabled; sel.appendChild(o); return o; }

  async function api(path, payload) {
    const r = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
    if (!r.ok) {
      let msg = r.status + ' ' + r.statusText;
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      throw new Error(msg);
    }
    return r;
  }

  // ---- sound: decode the server's WAV and play it ------------------------------------------------
  function b64bytes(b64) { const s = atob(b64), a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }
  async function play(wavB64, tool) {
    if (!wavB64) { status('no sound: ' + (state.info.audio.problem || 'nothing rendered'), false); return; }
    state.ctx = state.ctx || new AudioContext();
    const buffer = await state.ctx.decodeAudioData(b64bytes(wavB64).buffer);
    if (state.source) { try { state.source.stop(); } catch (e) { /* already stopped */ } }
    const src = state.ctx.createBufferSource(); src.buffer = buffer; src.connect(state.ctx.destination); src.start();
    state.source = src;
    const ch = buffer.getChannelData(0); let s = 0; for (let i = 0; i < ch.length; i++) s += ch[i] * ch[i];
    body.dataset.lastRms = Math.sqrt(s / Math.max(1, ch.length)).toFixed(6);
    body.dataset.lastSeconds = buffer.duration.toFixed(3);
    body.dataset.lastPlayed = tool;
    body.dataset.plays = String(++state.plays);
  }

  // ---- pictures ---------------------------------------------------------------------------------
  function image(pngB64, alt) {
    const img = document.createElement('img');
    img.alt = alt;
    img.addEventListener('load', () => { body.dataset.images = String(++state.images); });
    img.src = 'data:image/png;base64,' + pngB64;
    return img;
  }
  function item(list, pngB64, caption, wav, tool) {
    const li = document.createElement('li'), fig = document.createElement('figure'), cap = document.createElement('figcaption');
    fig.appendChild(image(pngB64, caption)); cap.textContent = caption + ' ';
    const b = document.createElement('button'); b.type = 'button'; b.className = 'play'; b.textContent = 'Play'; b.disabled = !wav;
    b.addEventListener('click', () => play(wav, tool).catch((e) => status('could not play: ' + e.message, true)));
    cap.appendChild(b); fig.appendChild(cap); li.appendChild(fig); list.appendChild(li);
  }

  // ---- MIDI export of what is on screen -----------------------------------------------------------
  // what: { tokens, grid } (melody or inpainting tokens) or { notes } (polyphonic segments of [onset, pitch, duration])
  async function exportMidi(what, name) {
    try {
      const r = await api('api/midi', Object.assign({ name }, what));
      const bytes = new Uint8Array(await r.arrayBuffer());
      body.dataset.midiHeader = String.fromCharCode(...bytes.slice(0, 4));
      body.dataset.midiBytes = String(bytes.length);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'audio/midi' })); a.download = name + '.mid';
      document.body.appendChild(a); a.click(); a.remove();
    } catch (e) { status('MIDI export failed: ' + e.message, true); }
  }

  async function run(tool, button, work) {
    button.disabled = true; status(tool + '…');
    const t0 = performance.now();
    try {
      await work();
      body.dataset.lastTool = tool;
      body.dataset.lastMs = String(Math.round(performance.now() - t0));
      status(tool + ' done in ' + Math.round(performance.now() - t0) + ' ms');
    } catch (e) { status(tool + ': ' + e.message, true); }
    finally { button.disabled = false; }
  }

  function fileBase64(input) {
    const f = input.files && input.files[0];
    if (!f) return Promise.resolve(null);
    return f.arrayBuffer().then((buf) => { let s = ''; const a = new Uint8Array(buf); for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s); });
  }

  // ---- interpolate --------------------------------------------------------------------------------
  async function interpolate() {
    const payload = { steps: Number($('interp-steps').value), spherical: $('interp-spherical').checked };
    const fa = await fileBase64($('interp-from-file')), fb = await fileBase64($('interp-to-file'));
    if (fa) payload.from_midi = fa; else payload.from = $('interp-from').value;
    if (fb) payload.to_midi = fb; else payload.to = $('interp-to').value;
    const res = await (await api('api/interpolate', payload)).json();
    const out = $('interp-out'); out.textContent = '';
    res.steps.forEach((s) => item(out, s.png, `t = ${s.t.toFixed(2)} (Hamming to A ${s.hamming_a.toFixed(2)}, to B ${s.hamming_b.toFixed(2)})`, s.wav, 'interpolate'));
    state.interp = res.steps.map((s) => s.tokens).flat();
    $('interp-midi').disabled = false;
    body.dataset.interpSteps = String(res.steps.length);
    if (res.steps[0].wav) await play(res.steps[0].wav, 'interpolate');
  }

  // ---- inpaint ------------------------------------------------------------------------------------
  function inpaintPayload(model) {
    const p = { tune: $('inp-tune').value, gap: $('inp-gap').value, model, seed: Number($('inp-seed').value) };
    if (model === 'inpaintnet') return p; // InpaintNet fills from the context alone: it takes no sketch
    if ($('inp-pitch').value.trim()) p.pitch_sketch = $('inp-pitch').value.trim();
    if ($('inp-rhythm').value.trim()) p.rhythm_sketch = $('inp-rhythm').value.trim();
    return p;
  }
  function showFill(res, out) {
    const f = (v) => (v === null || v === undefined ? '–' : v.toFixed(3));
    const fig = document.createElement('figure'), cap = document.createElement('figcaption');
    fig.appendChild(image(res.png, `${res.tune}, bars ${res.gap} filled by ${res.filler}`));
    cap.className = 'scores';
    cap.textContent = `${res.filler}${res.model === 'inpaintnet' ? ' (no sketch: it fills from the context alone)' : ''}: pitch accuracy ${f(res.pitch_accuracy)}, rhythm accuracy ${f(res.rhythm_accuracy)}, ${res.sketched_bars} sketched bar(s) `;
    const b = document.createElement('button'); b.type = 'button'; b.className = 'play'; b.textContent = 'Play'; b.disabled = !res.wav;
    b.addEventListener('click', () => play(res.wav, 'inpaint').catch((e) => status('could not play: ' + e.message, true)));
    cap.appendChild(b); fig.appendChild(cap); out.appendChild(fig);
  }
  async function inpaint(compare) {
    const out = $('inp-out'); out.textContent = '';
    const models = [$('inp-model').value];
    if (compare) {
      const other = state.info.models.inpaintnet.available ? 'inpaintnet' : 'baseline';
      models.splice(0, 1, state.info.models.sketchnet.available ? 'sketchnet' : 'baseline', other);
    }
    let last = null;
    for (const m of models) { last = await (await api('api/inpaint', inpaintPayload(m))).json(); showFill(last, out); }
    state.inpaint = last.filled;
    $('inp-midi').disabled = false;
    body.dataset.inpaintModels = models.join(',');
    body.dataset.lastRhythmAccuracy = String(last.rhythm_accuracy);
    if (last.wav) await play(last.wav, 'inpaint');
  }
  // Sketch fields as maps bar -> text ("7:x-----...;8:..."), so the tap pad and the contour pad change one bar and keep the rest.
  function entries(text) {
    const m = new Map();
    for (const e of text.split(';')) { const i = e.indexOf(':'); if (i > 0) m.set(Number(e.slice(0, i).trim()), e.slice(i + 1).trim()); }
    return m;
  }
  function joinEntries(m) { return [...m.keys()].sort((a, b) => a - b).map((b) => b + ':' + m.get(b)).join(';'); }
  // A rhythm for one gap bar, tapped on 24 cells (x onset, - hold, . rest), written into the rhythm sketch field.
  const tap = Array(24).fill('.');
  function writeTap() {
    const cells = $('tap-cells').children;
    for (let i = 0; i < 24; i++) cells[i].textContent = tap[i];
    const m = entries($('inp-rhythm').value), bar = Number($('tap-bar').value);
    if (tap.every((c) => c === '.')) m.delete(bar); else m.set(bar, tap.join(''));
    $('inp-rhythm').value = joinEntries(m);
  }
  function loadTap() {
    const r = entries($('inp-rhythm').value).get(Number($('tap-bar').value)) || '';
    const steps = r.replace(/[ |]/g, '');
    for (let i = 0; i < 24; i++) tap[i] = steps.length === 24 && 'x-.'.includes(steps[i]) ? steps[i] : '.';
    const cells = $('tap-cells').children;
    for (let i = 0; i < cells.length; i++) cells[i].textContent = tap[i];
  }
  // A pitch contour drawn over the 4 gap bars: each bar's onsets (its rhythm sketch's, else its 4 quarters) take the contour's
  // pitch at their step, written into the pitch sketch field as note names.
  const LOW = 55, HIGH = 84, CW = 480, CH = 120;
  const names = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  function noteName(p) { return names[p % 12] + (Math.floor(p / 12) - 1); }
  const contour = [];
  function svg(name, attrs) { const e = document.createElementNS('http://www.w3.org/2000/svg', name); for (const k in attrs) e.setAttribute(k, attrs[k]); return e; }
  function drawContourGrid() {
    const c = $('contour'); c.textContent = '';
    for (let b = 1; b < 4; b++) c.appendChild(svg('line', { x1: b * CW / 4, y1: 0, x2: b * CW / 4, y2: CH, stroke: '#bbb' }));
    for (const p of [60, 72, 84]) {
      const y = CH - (p - LOW) / (HIGH - LOW) * CH;
      c.appendChild(svg('line', { x1: 0, y1: y, x2: CW, y2: y, stroke: '#eee' }));
      const t = svg('text', { x: 2, y: y + 10, 'font-size': 9, fill: '#999' }); t.textContent = noteName(p); c.appendChild(t);
    }
    c.appendChild(svg('polyline', { id: 'contour-line', fill: 'none', stroke: '#1f56c4', 'stroke-width': 2, points: '' }));
  }
  function contourPoint(e) {
    const r = $('contour').getBoundingClientRect();
    const x = Math.min(CW, Math.max(0, (e.clientX - r.left) * CW / r.width)), y = Math.min(CH, Math.max(0, (e.clientY - r.top) * CH / r.height));
    return [x, y];
  }
  function pitchAt(step) { // the contour's pitch at a step of the gap (0..95), or null outside what was drawn
    const x = (step + 0.5) * CW / 96, pts = contour.slice().sort((a, b) => a[0] - b[0]);
    if (!pts.length || x < pts[0][0] - 3 || x > pts[pts.length - 1][0] + 3) return null;
    let y = pts[0][1];
    for (let i = 0; i < pts.length; i++) {
      if (pts[i][0] >= x) {
        const a = pts[Math.max(0, i - 1)], b = pts[i], w = b[0] > a[0] ? (x - a[0]) / (b[0] - a[0]) : 0;
        y = a[1] + Math.min(1, Math.max(0, w)) * (b[1] - a[1]); break;
      }
      y = pts[i][1];
    }
    return Math.round(LOW + (CH - y) / CH * (HIGH - LOW));
  }
  function writeContour() {
    const first = Number(($('inp-gap').value || '0-0').split('-')[0]), rhythms = entries($('inp-rhythm').value), m = new Map();
    for (let b = 0; b < 4; b++) {
      const r = (rhythms.get(first + b) || '').replace(/[ |]/g, '');
      const onsets = r.length === 24 ? [...r].map((c, i) => (c === 'x' || c === 'X' ? i : -1)).filter((i) => i >= 0) : [0, 6, 12, 18];
      const ps = onsets.map((s) => pitchAt(b * 24 + s)).filter((p) => p !== null);
      if (ps.length) m.set(first + b, ps.map(noteName).join(' '));
    }
    $('inp-pitch').value = joinEntries(m);
    body.dataset.contourPoints = String(contour.length);
  }
  function buildContour() {
    const c = $('contour');
    let drawing = false;
    drawContourGrid();
    c.addEventListener('pointerdown', (e) => { drawing = true; contour.length = 0; contour.push(contourPoint(e)); c.setPointerCapture(e.pointerId); });
    c.addEventListener('pointermove', (e) => {
      if (!drawing) return;
      contour.push(contourPoint(e));
      $('contour-line').setAttribute('points', contour.map((p) => p[0].toFixed(1) + ',' + p[1].toFixed(1)).join(' '));
    });
    c.addEventListener('pointerup', () => { if (drawing) { drawing = false; writeContour(); } });
    $('contour-clear').addEventListener('click', () => { contour.length = 0; drawContourGrid(); $('inp-pitch').value = ''; });
  }
  function buildTap() {
    const box = $('tap-cells');
    for (let i = 0; i < 24; i++) {
      const b = document.createElement('button'); b.type = 'button'; b.setAttribute('aria-label', 'step ' + (i + 1));
      b.addEventListener('click', () => { tap[i] = { '.': 'x', x: '-', '-': '.' }[tap[i]]; writeTap(); });
      box.appendChild(b);
    }
    $('tap-clear').addEventListener('click', () => { tap.fill('.'); writeTap(); });
    $('tap-bar').addEventListener('change', loadTap);
    $('inp-rhythm').addEventListener('input', loadTap);
    loadTap();
  }
  function fillGaps() {
    const t = state.info.tunes.find((x) => x.name === $('inp-tune').value), sel = $('inp-gap'), L = state.info.limits;
    sel.textContent = '';
    if (!t) return;
    for (let first = L.past_bars + 1; first + L.gap_bars - 1 + L.future_bars <= t.bars; first++) opt(sel, `${first}-${first + L.gap_bars - 1}`, `bars ${first}-${first + L.gap_bars - 1}`);
    fillTapBars();
  }
  function fillTapBars() {
    const sel = $('tap-bar'), first = Number(($('inp-gap').value || '0-0').split('-')[0]);
    sel.textContent = '';
    for (let b = first; b < first + state.info.limits.gap_bars; b++) opt(sel, String(b), 'bar ' + b);
    if ($('tap-cells').children.length) loadTap();
  }

  // ---- sample -------------------------------------------------------------------------------------
  async function sample() {
    const payload = { model: $('smp-model').value, count: Number($('smp-count').value), temperature: Number($('smp-temp').value), seed: Number($('smp-seed').value) };
    const res = await (await api('api/sample', payload)).json();
    const out = $('smp-out'); out.textContent = '';
    res.samples.forEach((s, i) => item(out, s.png, `${res.model} sample ${i + 1}` + (res.polyphonic ? ` (${s.notes.length} notes)` : ''), s.wav, 'sample'));
    if (res.polyphonic) {
      state.samples = { notes: res.samples.map((s) => s.notes) };
      body.dataset.polyNotes = String(res.samples.reduce((n, s) => n + s.notes.length, 0));
      body.dataset.polyCounts = res.samples.map((s) => s.notes.length).join(',');
      body.dataset.maxNotesPerStep = String(Math.max(...res.samples.map((s) => s.max_notes_per_step)));
    } else state.samples = { tokens: res.samples.map((s) => s.tokens).flat(), grid: 16 };
    $('smp-midi').disabled = false;
    body.dataset.samples = String(res.samples.length);
    if (res.samples[0].wav) await play(res.samples[0].wav, 'sample');
    body.dataset.sampleModel = res.model; // last: the sample is drawn and its first segment played
  }

  // ---- set-up -------------------------------------------------------------------------------------
  function disable(section, needs) {
    section.classList.add('disabled');
    for (const e of section.querySelectorAll('button, input, select')) e.disabled = true;
    const p = section.querySelector('.needs'); if (p) { p.hidden = false; p.textContent = 'needs ' + needs; }
  }
  async function start() {
    const r = await fetch('api/info');
    if (!r.ok) throw new Error('GET api/info: ' + r.status);
    const info = state.info = await r.json();
    const melody = info.tunes.filter((t) => t.melody), inp = info.tunes.filter((t) => t.inpaint);
    melody.forEach((t) => { opt($('interp-from'), t.name, `${t.name} (${t.bars} bars)`); opt($('interp-to'), t.name, `${t.name} (${t.bars} bars)`); });
    if (melody.length > 1) $('interp-to').selectedIndex = 1;
    inp.filter((t) => t.bars >= info.limits.past_bars + info.limits.gap_bars + info.limits.future_bars).forEach((t) => opt($('inp-tune'), t.name, `${t.name} (${t.bars} bars)`));
    for (const o of $('inp-model').options) {
      const tool = info.tools[o.value];
      if (tool && !tool.enabled) { o.disabled = true; o.title = 'needs ' + tool.needs; o.textContent += ' — needs a run'; }
    }
    if (!info.tools.sketchnet.enabled) $('inp-model').value = info.tools.inpaintnet.enabled ? 'inpaintnet' : 'baseline';
    const pt = $('smp-poly');
    if (!info.tools.poly.enabled) { pt.disabled = true; pt.title = 'needs ' + info.tools.poly.needs; pt.textContent += ' — not served'; }
    else { pt.value = info.models.poly.model; pt.textContent = info.models.poly.model + ' (polyphonic)'; }
    if (!info.tools.interpolate.enabled) disable($('interpolate'), info.tools.interpolate.needs);
    if (!info.tools.sample.enabled) disable($('sample'), info.tools.sample.needs);
    else if (!info.models.musicvae.available) $('smp-model').value = pt.value;
    if (!info.audio.available) { const n = $('audio-note'); n.hidden = false; n.textContent = 'No sound: ' + info.audio.problem + '. Piano rolls and MIDI export still work.'; }
    $('inp-tune').addEventListener('change', fillGaps);
    $('inp-gap').addEventListener('change', fillTapBars);
    fillGaps();
    buildTap();
    buildContour();
    $('interp-run').addEventListener('click', () => run('interpolate', $('interp-run'), interpolate));
    $('inp-run').addEventListener('click', () => run('inpaint', $('inp-run'), () => inpaint(false)));
    $('inp-compare').addEventListener('click', () => run('compare', $('inp-compare'), () => inpaint(true)));
    $('smp-run').addEventListener('click', () => run('sample', $('smp-run'), sample));
    $('interp-midi').addEventListener('click', () => exportMidi({ tokens: state.interp, grid: 16 }, 'interpolation'));
    $('inp-midi').addEventListener('click', () => exportMidi({ tokens: state.inpaint, grid: 24 }, 'inpainted'));
    $('smp-midi').addEventListener('click', () => exportMidi(state.samples, 'samples'));
    status(`${info.tunes.length} test tunes${info.tunes_data ? ' of ' + info.tunes_data : ''}; sound: ${info.audio.available ? 'FluidSynth on the server' : 'none'}`);
    body.dataset.ready = '1';
  }
  start().catch((e) => status('could not start: ' + e.message, true));
})();
