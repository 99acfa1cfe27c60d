// The dispatch console: live incidents with their snapshot, timeline and actions.
// State is rebuilt from the event stream: the hub replays every event after `since`, then sends
// live ones, so a reload or a dropped connection loses nothing.
"use strict";

const params = new URLSearchParams(location.search);
const token = params.get("token") || localStorage.getItem("firegrid.token") || "";
if (params.get("token")) localStorage.setItem("firegrid.token", token);
let lang = params.get("lang") || localStorage.getItem("firegrid.lang") || "zh";

const incidents = new Map();   // incident id -> {id, events, state, opened}
const cameras = new Map();     // camera id -> {id, name, state}
const teams = new Map();       // team id -> {id, name, kind, availability}
let lastSeq = 0;
let selected = null;
let socket = null;
let retryMs = 500;

const $ = (id) => document.getElementById(id);
const t = (key) => (I18N[lang] && I18N[lang][key]) || key;

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("lang").textContent = lang === "zh" ? "EN" : "中文";
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  renderAll();
}

function authHeaders() {
  return { Authorization: `Bearer ${token}` };
}

async function loadCameras() {
  try {
    const res = await fetch("/api/cameras/status", { headers: authHeaders() });
    if (!res.ok) return;
    const body = await res.json();
    for (const cam of body.cameras || []) {
      const known = cameras.get(cam.camera_id) || {};
      cameras.set(cam.camera_id, { ...known, ...cam, name: known.name || cam.camera_id });
    }
    renderCameras();
  } catch (err) {
    console.warn("camera status unavailable", err);
  }
}

async function loadTownship() {
  try {
    const res = await fetch("/api/township", { headers: authHeaders() });
    if (!res.ok) return;
    const body = await res.json();
    $("township").textContent = lang === "en" && body.name_en ? body.name_en : body.name;
    for (const cam of body.cameras || []) {
      cameras.set(cam.id, { camera_id: cam.id, ...(cameras.get(cam.id) || {}), name: cam.name });
    }
    for (const team of (await (await fetch("/api/teams", { headers: authHeaders() })).json()).teams) {
      teams.set(team.id, team);
    }
    renderAll();
  } catch (err) {
    console.warn("township unavailable", err);
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}&since=${lastSeq}`;
  socket = new WebSocket(url);
  socket.onopen = () => {
    retryMs = 500;
    $("link").className = "link online";
    $("link").dataset.i18n = "online";
    $("link").textContent = t("online");
  };
  socket.onmessage = (msg) => onFrame(JSON.parse(msg.data));
  socket.onclose = () => {
    $("link").className = "link offline";
    $("link").dataset.i18n = "offline";
    $("link").textContent = t("offline");
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10000);
  };
}

function withToken(url) {
  if (!url) return "";
  return `${url}${url.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`;
}

function onFrame(frame) {
  if (frame.type === "error") console.warn("hub refused a message", frame);
  if (!("seq" in frame)) return;                                      // control frame
  if (frame.seq <= lastSeq) return;                                   // already applied
  lastSeq = frame.seq;
  applyEvent(frame);
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ v: 1, type: "ack", seq: frame.seq }));
  }
}

function applyEvent(ev) {
  if (ev.type === "camera.offline" || ev.type === "camera.online") {
    const id = ev.data.camera_id;
    const state = ev.type === "camera.offline" ? "offline" : "online";
    cameras.set(id, { ...(cameras.get(id) || { camera_id: id }), state, name: ev.data.camera_name });
    renderCameras();
  }
  if (!ev.incident_id) return;
  let inc = incidents.get(ev.incident_id);
  if (!inc) {
    inc = { id: ev.incident_id, events: [], state: "triggered", opened: null, fresh: true };
    incidents.set(ev.incident_id, inc);
  }
  inc.events.push(ev);
  if (ev.type === "incident.opened") {
    inc.opened = ev;
    inc.snapshot = withToken(ev.data.snapshot);
  }
  if (ev.type === "incident.corroborated" && !inc.snapshot) inc.snapshot = withToken(ev.data.snapshot);
  if (ev.type === "incident.transition") inc.state = ev.data.to;
  if (ev.type === "incident.media" && ev.data.clip) inc.clip = withToken(ev.data.clip);
  if (ev.type === "dispatch.call_119") inc.call119 = true;
  if (ev.type === "incident.opened" && selected === null) selected = inc.id;
  renderAll();
}

function renderAll() {
  renderIncidents();
  renderDetail();
  renderCameras();
}

function renderIncidents() {
  const list = $("incident-list");
  list.replaceChildren();
  const items = [...incidents.values()].filter((i) => i.opened).reverse();
  $("empty").hidden = items.length > 0;
  for (const inc of items) {
    const li = document.createElement("li");
    li.className = `incident state-${inc.state}` + (inc.id === selected ? " selected" : "");
    li.dataset.incident = inc.id;
    const img = document.createElement("img");
    img.src = inc.snapshot || "";
    img.alt = "";
    const text = document.createElement("div");
    const d = inc.opened.data;
    text.innerHTML = "";
    const title = document.createElement("strong");
    title.textContent = `${t(d.kind)} · ${d.camera_name || d.camera_id}`;
    const meta = document.createElement("span");
    const when = new Date(inc.opened.time * 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB");
    meta.textContent = `${when} · ${t(inc.state)}`;
    text.append(title, document.createElement("br"), meta);
    li.append(img, text);
    li.onclick = () => { selected = inc.id; renderAll(); };
    list.append(li);
  }
}

function renderDetail() {
  const inc = selected ? incidents.get(selected) : null;
  $("detail").hidden = !inc || !inc.opened;
  if (!inc || !inc.opened) return;
  const d = inc.opened.data;
  $("detail-title").textContent = `${t(d.kind)} · ${d.camera_name || d.camera_id}`;
  $("detail-state").textContent = t(inc.state);
  $("detail-state").className = `state state-${inc.state}`;
  $("detail-snapshot").src = inc.snapshot || "";
  const clip = $("detail-clip");
  clip.hidden = !inc.clip;
  if (inc.clip && clip.getAttribute("src") !== inc.clip) clip.src = inc.clip;
  renderActions(inc);
  const tl = $("timeline");
  tl.replaceChildren();
  for (const ev of inc.events) {
    const li = document.createElement("li");
    const when = new Date(ev.time * 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en-GB");
    const what = describe(ev);
    li.textContent = `${when}  ${what}  (${ev.actor})`;
    tl.append(li);
  }
  if (inc.call119) {
    const li = document.createElement("li");
    li.className = "call119";
    li.textContent = t("call_119");
    tl.append(li);
  }
}

function teamName(id) {
  return (teams.get(id) || {}).name || id;
}

// One line of the timeline, in the operator's language.
function describe(ev) {
  const d = ev.data || {};
  const fill = (key, values) => t(key).replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
  switch (ev.type) {
    case "incident.transition":
      if (d.action === "assign") return fill("tl_assign", { teams: (d.teams || []).map(teamName).join("、") });
      return `${t(d.from)} → ${t(d.to)}`;
    case "dispatch.callup":
    case "dispatch.team_added":
      return fill("tl_callup", { team: teamName(d.team_id), tier: d.tier ?? "" });
    case "dispatch.accepted":
      return fill("tl_accepted", { team: teamName(d.team_id), s: Math.round(d.time_to_accept_s ?? 0) });
    case "dispatch.declined":
      return fill("tl_declined", { team: teamName(d.team_id), reason: d.reason || "" });
    case "dispatch.timeout":
      return fill("tl_timeout", { team: teamName(d.team_id) });
    case "dispatch.arrived":
      return fill("tl_arrived", { team: teamName(d.team_id), s: Math.round(d.time_to_arrive_s ?? 0) });
    case "dispatch.escalated":
      return fill("tl_escalated", { tier: d.to_tier });
    case "dispatch.responsible_paged":
      return fill("tl_responsible", { name: d.name || "" });
    case "dispatch.leader_paged":
      return fill("tl_leader", { name: d.leader || "" });
    case "dispatch.team_status":
      return fill("tl_status", { team: teamName(d.team_id), status: t("avail_" + d.availability) });
    default:
      return t(ev.type);
  }
}

const ACTIONS = {
  triggered: ["verify", "false_alarm"],
  verified: ["false_alarm", "resolve"],
  dispatched: ["false_alarm", "resolve"],
  responding: ["resolve"],
  on_scene: ["resolve"],
};

function renderActions(inc) {
  const box = $("actions");
  box.replaceChildren();
  for (const action of ACTIONS[inc.state] || []) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.textContent = t(action === "false_alarm" ? "mark_false_alarm" : action);
    b.onclick = () => act(inc.id, action);
    box.append(b);
  }
}

async function act(incidentId, action) {
  let data = action === "resolve" ? { outcome: "extinguished" } : {};
  const state = (incidents.get(incidentId) || {}).state;
  if (action === "false_alarm" && !["triggered", "verified"].includes(state)) {
    // teams are already on their way: the incident ends as a resolved false alarm
    action = "resolve";
    data = { outcome: "false_alarm" };
  }
  const res = await fetch(`/api/incidents/${encodeURIComponent(incidentId)}/actions`, {
    method: "POST",
    headers: { ...authHeaders(), "Content-Type": "application/json" },
    body: JSON.stringify({ v: 1, action, data }),
  });
  if (!res.ok) alert(`${action}: ${(await res.text()).slice(0, 200)}`);
}

function renderCameras() {
  const list = $("camera-list");
  list.replaceChildren();
  for (const cam of cameras.values()) {
    const li = document.createElement("li");
    li.className = `camera cam-${cam.state || "connecting"}`;
    li.textContent = `${cam.name || cam.camera_id} · ${t("state_" + (cam.state || "connecting"))}`;
    list.append(li);
  }
}

$("lang").onclick = () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("firegrid.lang", lang);
  applyLanguage();
  loadTownship();
};

applyLanguage();
loadTownship();
loadCameras();
setInterval(loadCameras, 5000);
connect();
