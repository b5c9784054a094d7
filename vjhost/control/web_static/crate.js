// vjhost crate companion page: polls /crate.json (same token), sends actions over the surface's websocket.
(function () {
  "use strict";
  const token = new URLSearchParams(location.search).get("token") || "";
  const $ = (id) => document.getElementById(id);
  const NS = "http://www.w3.org/2000/svg";
  let ws = null, data = null, colourBy = "key";

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/ws?token=" + encodeURIComponent(token));
    ws.onopen = () => $("conn").classList.remove("off");
    ws.onclose = () => { $("conn").classList.add("off"); setTimeout(connect, 1000); };
    ws.onmessage = () => {};  // the control page's state and beat messages: not needed here
  }
  function send(name, value) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "action", name: name, value: value }));
    setTimeout(poll, 150);
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderTop(d) {
    const p = d.playing;
    $("nowtitle").textContent = p ? p.title : "—";
    $("nowinfo").textContent = p ? `${p.bpm} BPM · ${p.key} (${p.camelot}) · energy ${p.energy_level} · ${p.genre}` +
      (d.source ? ` · ${d.source}` : "") : "tell me what is playing: tap its dot on the map";
    const dirs = $("dirs");
    if (!dirs.children.length) {
      for (const name of d.directions) {
        const b = el("button", "pad", name.toUpperCase());
        b.dataset.dir = name;
        b.onclick = () => send("crate.energy", name);
        dirs.appendChild(b);
      }
    }
    for (const b of dirs.children) b.classList.toggle("on", b.dataset.dir === d.direction);
    $("auto").classList.toggle("on", !!d.auto);
  }

  function renderNext(d) {
    const ol = $("next");
    ol.textContent = "";
    if (!d.suggestions.length) { ol.appendChild(el("li", "", d.playing ? "nothing left to suggest" : "—")); return; }
    d.suggestions.forEach((s, i) => {
      const li = el("li");
      li.dataset.id = s.id;
      li.appendChild(el("div", "rank", String(i + 1)));
      const body = el("div", "body");
      body.appendChild(el("div", "title", s.title));
      body.appendChild(el("div", "why", s.reasons.join(" · ")));
      const tags = el("div", "tags");
      tags.appendChild(el("span", s.key_ok ? "ok" : "no", s.key_ok ? "key ✓" : "key ✗"));
      tags.appendChild(el("span", s.tempo_ok ? "ok" : "no", s.tempo_ok ? "tempo ✓" : "tempo ✗"));
      tags.appendChild(el("span", "", `score ${s.score.toFixed(2)}`));
      body.appendChild(tags);
      li.appendChild(body);
      const play = el("button", "pad", "PLAYING");
      play.onclick = () => send("crate.playing", s.id);
      li.appendChild(play);
      ol.appendChild(li);
    });
  }

  function renderLook(d) {
    const L = d.look;
    $("persona").textContent = L ? L.persona : "— (decided on the next phrase)";
    const pal = $("palette");
    pal.textContent = "";
    if (L) for (const c of L.palette) { const i = el("i"); i.style.background = c; i.title = c; pal.appendChild(i); }
    $("lookwhy").textContent = L ? L.reason : "";
    $("room").textContent = d.room === null ? `no camera (${d.room_status}): nothing changes` :
      `crowd motion ${(d.room * 100).toFixed(0)} %`;
  }

  function renderMap(d) {
    const svg = $("map");
    svg.textContent = "";
    const pts = d.map.points, byId = {};
    for (const p of pts) byId[p.id] = p;
    const path = d.map.path.filter((id) => byId[id]);
    if (path.length > 1) {
      const pl = document.createElementNS(NS, "polyline");
      pl.setAttribute("points", path.map((id) => `${byId[id].x},${-byId[id].y}`).join(" "));
      svg.appendChild(pl);
    }
    const sug = new Set(d.suggestions.map((s) => s.id));
    const now = d.playing ? d.playing.id : null;
    const played = new Set(path);
    for (const p of pts) {
      const c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", p.x); c.setAttribute("cy", -p.y);
      c.setAttribute("r", 0.025 + 0.03 * p.energy);
      c.setAttribute("fill", colourBy === "key" ? p.key_colour : p.energy_colour);
      c.setAttribute("class", p.id === now ? "now" : sug.has(p.id) ? "sug" : played.has(p.id) ? "played" : "");
      c.dataset.id = p.id;
      const t = document.createElementNS(NS, "title");
      t.textContent = `${p.title} · ${p.bpm} BPM · ${p.key} (${p.camelot}) · energy ${p.energy_level}`;
      c.appendChild(t);
      c.onclick = () => send("crate.playing", p.id);
      svg.appendChild(c);
      if (pts.length <= 60) {
        const tx = document.createElementNS(NS, "text");
        tx.setAttribute("x", p.x + 0.035 + 0.03 * p.energy); tx.setAttribute("y", -p.y + 0.015);
        tx.textContent = p.camelot;
        svg.appendChild(tx);
      }
    }
  }

  function render() {
    if (!data) return;
    if (data.error) { $("nowinfo").textContent = "companion: " + data.error; return; }
    renderTop(data); renderNext(data); renderLook(data); renderMap(data);
  }

  async function poll() {
    try {
      const r = await fetch("/crate.json?token=" + encodeURIComponent(token), { cache: "no-store" });
      if (r.ok) { data = await r.json(); render(); }
    } catch (e) { /* the next poll tries again */ }
  }

  $("auto").onclick = () => send("crate.auto", !(data && data.auto));
  $("bykey").onclick = () => { colourBy = "key"; $("bykey").classList.add("on"); $("byenergy").classList.remove("on"); render(); };
  $("byenergy").onclick = () => { colourBy = "energy"; $("byenergy").classList.add("on"); $("bykey").classList.remove("on"); render(); };
  connect();
  poll();
  setInterval(poll, 1000);
})();
