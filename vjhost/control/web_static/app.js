// vjhost web control: one websocket both ways (protocol: vjhost/control/web.py).
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get("token") || "";
  const HOLD_MS = 400; // ignore the host's echo of a fader this long after the last touch

  const vj = {                       // also the hook tests read back through
    layout: null,
    state: { pack: "", scene: 0, blackout: false, freeze: false, toggles: {}, params: {} },
    beat: null, connected: false, received: 0, previews: 0,
    send: send,
  };
  window.vj = vj;

  let ws = null, retry = 500;
  const faders = {};                 // name -> {input, output, spec, held, last}

  // ------------------------------------------------------------------ connection
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/ws?token=" + encodeURIComponent(token));
    ws.binaryType = "blob";
    ws.onopen = () => { retry = 500; setConnected(true); };
    ws.onclose = () => { setConnected(false); setTimeout(connect, retry); retry = Math.min(5000, retry * 2); };
    ws.onerror = () => { try { ws.close(); } catch (e) { /* closing anyway */ } };
    ws.onmessage = (ev) => {
      vj.received++;
      if (typeof ev.data !== "string") { showPreview(ev.data); return; }
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === "layout") onLayout(m);
      else if (m.type === "state") onState(m);
      else if (m.type === "beat") onBeat(m);
    };
  }

  function send(obj) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(obj)); return true; }
    return false;
  }

  function setConnected(on) {
    vj.connected = on;
    $("conn").classList.toggle("off", !on);
    document.body.classList.toggle("disconnected", !on);
  }

  // ------------------------------------------------------------------ building the page
  function pad(label, cls, onPress, data) {
    const b = document.createElement("button");
    b.className = "pad " + (cls || "");
    b.textContent = label;
    for (const k in data || {}) b.dataset[k] = data[k];
    b.addEventListener("click", onPress);
    return b;
  }

  function flash(el) { el.classList.add("hit"); setTimeout(() => el.classList.remove("hit"), 120); }

  function onLayout(m) {
    vj.layout = m;
    const packs = $("packs"); packs.replaceChildren();
    for (const name of m.packs) {
      packs.append(pad(name, "", (e) => { flash(e.currentTarget); send({ type: "action", name: "pack", value: name }); }, { pack: name }));
    }
    const scenes = $("scenes"); scenes.replaceChildren();
    m.scenes.forEach((name, i) => {
      scenes.append(pad((i + 1) + " " + name, "", (e) => { flash(e.currentTarget); send({ type: "action", name: "scene", value: i }); }, { scene: String(i) }));
    });
    const tr = $("transitions"); tr.replaceChildren();
    for (const kind of m.transitions) {
      tr.append(pad(kind, "", (e) => { flash(e.currentTarget); send({ type: "action", name: "transition", value: kind }); }, { transition: kind }));
    }
    // effect bypass pads: one per effect that has parameters (fx.NAME.param -> toggle "fx.NAME")
    const fx = $("fx"); fx.replaceChildren();
    const effects = [...new Set(m.params.map((p) => p[0]).filter((n) => n.startsWith("fx.")).map((n) => n.split(".")[1]))];
    for (const e of effects) {
      fx.append(pad(e, "", (ev) => { flash(ev.currentTarget); send({ type: "action", name: "toggle", value: "fx." + e }); }, { toggle: "fx." + e }));
    }
    buildFaders(m.params);
    render();
  }

  function groupOf(name) {
    const i = name.lastIndexOf(".");
    return i < 0 ? ["", name] : [name.slice(0, i), name.slice(i + 1)];
  }

  function buildFaders(specs) {
    const box = $("faders"); box.replaceChildren();
    for (const k in faders) delete faders[k];
    const groups = new Map();
    const sorted = specs.slice().sort((a, b) => (a[0].startsWith("master.") ? 0 : 1) - (b[0].startsWith("master.") ? 0 : 1) || (a[0] < b[0] ? -1 : 1));
    for (const spec of sorted) {
      const [g] = groupOf(spec[0]);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(spec);
    }
    for (const [g, list] of groups) {
      const div = document.createElement("div"); div.className = "group";
      if (g) { const h = document.createElement("h3"); h.textContent = g; div.append(h); }
      for (const spec of list) div.append(makeFader(spec));
      box.append(div);
    }
  }

  function makeFader(spec) {
    const [name, min, max, , desc] = spec;
    const row = document.createElement("div"); row.className = "fader";
    const label = document.createElement("label"); label.textContent = groupOf(name)[1]; label.title = desc || name;
    const input = document.createElement("input");
    input.type = "range"; input.min = "0"; input.max = "1"; input.step = "0.001"; input.value = "0";
    input.dataset.param = name; input.setAttribute("aria-label", name);
    const output = document.createElement("output");
    row.append(label, input, output);
    const f = { input, output, spec: { min, max }, held: false, last: -Infinity, pending: null };
    faders[name] = f;

    const local = (x) => {
      x = Math.min(1, Math.max(0, x));
      input.value = String(x);
      f.last = performance.now();
      showFader(f, x);
      vj.state.params[name] = x;
      if (f.pending === null) {       // at most one message per animation frame
        f.pending = x;
        requestAnimationFrame(() => { send({ type: "param", name, value: Number(f.pending) }); f.pending = null; });
      } else f.pending = x;
    };
    input.addEventListener("input", () => local(parseFloat(input.value)));
    input.addEventListener("change", () => local(parseFloat(input.value)));
    // jump to the touch and drag from anywhere on the track (a native range only drags its thumb on iOS)
    const fromPointer = (e) => { const r = input.getBoundingClientRect(); return (e.clientX - r.left) / r.width; };
    input.addEventListener("pointerdown", (e) => {
      e.preventDefault(); f.held = true;
      try { input.setPointerCapture(e.pointerId); } catch (err) { /* synthetic pointers */ }
      local(fromPointer(e));
    });
    input.addEventListener("pointermove", (e) => { if (f.held) local(fromPointer(e)); });
    const release = () => { f.held = false; f.last = performance.now(); };
    input.addEventListener("pointerup", release);
    input.addEventListener("pointercancel", release);
    return row;
  }

  function showFader(f, x) {
    f.input.style.setProperty("--fill", (x * 100).toFixed(1) + "%");
    const v = f.spec.min + (f.spec.max - f.spec.min) * x;
    f.output.textContent = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  // ------------------------------------------------------------------ state from the host
  function onState(m) {
    const s = vj.state;
    if (m.full) s.params = {};
    for (const k of ["pack", "scene", "blackout", "freeze", "toggles", "version"]) if (k in m) s[k] = m[k];
    if (m.params) {
      const now = performance.now();
      for (const name in m.params) {
        const f = faders[name];
        if (f && (f.held || now - f.last < HOLD_MS)) continue; // the user's finger wins
        s.params[name] = m.params[name];
        if (f) { f.input.value = String(m.params[name]); showFader(f, m.params[name]); }
      }
    }
    render();
  }

  function render() {
    const s = vj.state;
    for (const b of $("packs").children) b.classList.toggle("active", b.dataset.pack === s.pack);
    for (const b of $("scenes").children) b.classList.toggle("active", Number(b.dataset.scene) === s.scene);
    for (const b of $("fx").children) b.classList.toggle("off", (s.toggles || {})[b.dataset.toggle] === false);
    $("blackout").classList.toggle("active", !!s.blackout);
    $("freeze").classList.toggle("active", !!s.freeze);
    $("packname").textContent = s.pack || "";
    for (const name in faders) if (name in s.params) showFader(faders[name], s.params[name]);
  }

  // ------------------------------------------------------------------ beat, preview
  let beatAt = 0;
  function onBeat(m) {
    vj.beat = m; beatAt = performance.now(); $("bpm").textContent = m.bpm ? m.bpm.toFixed(1) : "---";
    const s = m.show, perf = $("perf");
    if (s && typeof s.fps === "number") {  // how the show is doing: fps and the render scale it draws at
      const scale = Math.round(100 * (s.render_scale || 1)) + "%" + (s.auto ? " auto" : "");
      perf.textContent = s.fps.toFixed(0) + " fps \u00b7 " + scale;
      perf.classList.toggle("low", s.fps < 55);
    }
  }

  function animate() {
    const b = vj.beat;
    if (b) {
      const beats = ((performance.now() - beatAt) / 1000) * (b.bpm / 60); // extrapolate between messages
      const bar = (b.bar + beats / 4) % 1;
      const phase = (b.phase + beats) % 1;
      const n = Math.floor(bar * 4);
      const dots = $("beats").children;
      for (let i = 0; i < 4; i++) {
        dots[i].classList.toggle("on", i === n && phase < 0.35);
        dots[i].classList.toggle("down", i === 0);
      }
    }
    requestAnimationFrame(animate);
  }

  let previewUrl = null;
  function showPreview(blob) {
    vj.previews++;
    const url = URL.createObjectURL(blob);
    const img = $("preview");
    img.onload = () => { if (previewUrl && previewUrl !== url) URL.revokeObjectURL(previewUrl); previewUrl = url; };
    img.src = url;
  }

  // ------------------------------------------------------------------ fixed controls
  $("tap").addEventListener("pointerdown", (e) => { e.preventDefault(); flash($("tap")); send({ type: "tap" }); });
  $("tap").addEventListener("keydown", (e) => { if (e.key === " " || e.key === "Enter") send({ type: "tap" }); });
  $("blackout").addEventListener("click", () => send({ type: "action", name: "blackout", value: !vj.state.blackout }));
  $("freeze").addEventListener("click", () => send({ type: "action", name: "freeze", value: !vj.state.freeze }));
  document.addEventListener("gesturestart", (e) => e.preventDefault()); // no pinch zoom on iOS

  setConnected(false);
  connect();
  requestAnimationFrame(animate);
})();
