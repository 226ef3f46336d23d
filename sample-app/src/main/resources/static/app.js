// The Infini chat page: vanilla JS on the sample app's REST API (docs/sample-app.md).
// The transcript shown here is kept in this browser only; the server keeps the conversation's memory, a state of
// constant size, which is what the model continues from.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  apiKey: localStorage.getItem("infini.apiKey") || "",
  info: null,
  current: null,      // id of the selected conversation, or null for a new one
  busy: false,
};

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (state.apiKey) headers["X-API-Key"] = state.apiKey;
  if (options.body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) throw await problem(response);
  return response;
}

async function problem(response) {
  let detail = response.status + " " + response.statusText;
  let code = "http_" + response.status;
  try {
    const body = await response.json();
    detail = body.detail || detail;
    code = body.code || code;
  } catch (ignored) { /* not JSON */ }
  const error = new Error(detail);
  error.code = code;
  error.status = response.status;
  return error;
}

function showError(error) {
  const box = $("error");
  if (!error) { box.hidden = true; box.textContent = ""; return; }
  box.textContent = error.message || String(error);
  box.hidden = false;
  if (error.status === 401) $("key-form").hidden = false;
}

const formatNumber = (n) => Number(n).toLocaleString("en-US");
function formatBytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = n, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return (unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)) + " " + units[unit];
}

// ---- transcript kept in this browser ----
const transcriptKey = (id) => "infini.transcript." + id;
function loadTranscript(id) {
  try { return JSON.parse(localStorage.getItem(transcriptKey(id))) || []; } catch (e) { return []; }
}
function saveTranscript(id, turns) {
  localStorage.setItem(transcriptKey(id), JSON.stringify(turns.slice(-200)));
}

function addBubble(role, text) {
  $("empty-state").hidden = true;
  const bubble = document.createElement("div");
  bubble.className = "message " + role;
  bubble.dataset.role = role;
  bubble.textContent = text;
  $("transcript").appendChild(bubble);
  $("transcript").scrollTop = $("transcript").scrollHeight;
  return bubble;
}

function addTurnMeta(bubble, reply) {
  const meta = document.createElement("span");
  meta.className = "turn-meta";
  meta.textContent = reply.usage.completionTokens + " tokens · " + formatNumber(reply.latencyMs) + " ms";
  bubble.appendChild(meta);
}

// serverTurns: the transcript the server kept (infini.conversation.transcript), else null for this browser's own
function renderTranscript(conversation, serverTurns) {
  const box = $("transcript");
  box.querySelectorAll(".message, .notice").forEach((el) => el.remove());
  const turns = serverTurns || (conversation ? loadTranscript(conversation.id) : []);
  $("empty-state").hidden = turns.length > 0 || (conversation && conversation.memory.tokensSeen > 0);
  if (conversation && conversation.memory.tokensSeen > 0 && turns.length === 0) {
    const note = document.createElement("p");
    note.className = "notice";
    note.textContent = formatNumber(conversation.memory.tokensSeen) + " tokens of this conversation live in its "
      + "memory on the server; the transcript was not kept in this browser. Carry on, it remembers.";
    box.appendChild(note);
  }
  for (const turn of turns) addBubble(turn.role, turn.text).dataset.done = "true";
}

// ---- memory panel ----
function renderMemory(conversation) {
  const memory = conversation ? conversation.memory : null;
  $("stat-tokens").textContent = formatNumber(memory ? memory.tokensSeen : 0);
  $("stat-segments").textContent = formatNumber(memory ? memory.segmentsFolded : 0);
  $("stat-bytes").textContent = formatBytes(memory ? memory.stateBytes : (state.info && state.info.stateBytes));
  $("stat-segment-length").textContent = state.info ? formatNumber(state.info.segmentLength) + " tokens" : "–";
  renderChart(conversation ? conversation.latenciesMs : []);
}

function renderChart(latencies) {
  const svg = $("latency-chart");
  const W = 240, H = 120, left = 34, right = 8, top = 10, bottom = 18;
  svg.replaceChildren();
  const ns = "http://www.w3.org/2000/svg";
  const el = (name, attrs, text) => {
    const node = document.createElementNS(ns, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text != null) node.textContent = text;
    svg.appendChild(node);
    return node;
  };
  el("line", { class: "axis", x1: left, y1: H - bottom, x2: W - right, y2: H - bottom });
  el("line", { class: "axis", x1: left, y1: top, x2: left, y2: H - bottom });
  if (!latencies || latencies.length === 0) {
    $("latency-caption").textContent = "No turns yet.";
    return;
  }
  const max = Math.max(...latencies) * 1.1 || 1;
  const n = latencies.length;
  const x = (i) => n === 1 ? (left + W - right) / 2 : left + (i * (W - left - right)) / (n - 1);
  const y = (v) => H - bottom - (v / max) * (H - top - bottom);
  const points = latencies.map((v, i) => x(i).toFixed(1) + "," + y(v).toFixed(1));
  if (n > 1) {
    el("polygon", { class: "area",
      points: x(0) + "," + (H - bottom) + " " + points.join(" ") + " " + x(n - 1) + "," + (H - bottom) });
    el("polyline", { class: "line", points: points.join(" ") });
  }
  latencies.forEach((v, i) => el("circle", { class: "dot", cx: x(i), cy: y(v), r: n > 30 ? 1.5 : 2.5 }));
  el("text", { x: left - 4, y: top + 4, "text-anchor": "end" }, Math.round(max) + "");
  el("text", { x: left - 4, y: H - bottom, "text-anchor": "end" }, "0");
  el("text", { x: W - right, y: H - 4, "text-anchor": "end" }, "turn " + n);
  el("text", { x: left, y: H - 4 }, "ms");
  const last = latencies[n - 1];
  const avg = latencies.reduce((a, b) => a + b, 0) / n;
  $("latency-caption").textContent = "Last turn " + formatNumber(last) + " ms, average " + formatNumber(Math.round(avg))
    + " ms over " + n + " turn" + (n === 1 ? "" : "s") + ".";
}

// ---- conversations ----
async function loadInfo() {
  const info = await (await fetch("/api/info")).json();
  state.info = info;
  $("engine-info").innerHTML = "";
  const parts = [["model", info.model], ["state", info.store]];
  parts.forEach(([label, value], i) => {
    if (i) $("engine-info").append(" · ");
    $("engine-info").append(label + " ");
    const code = document.createElement("code");
    code.textContent = value;
    $("engine-info").append(code);
  });
  $("message").maxLength = info.maxMessageChars;
  $("key-form").hidden = !info.apiKeyRequired;
  $("api-key").value = state.apiKey;
}

async function loadConversations() {
  const list = $("conversation-list");
  const { conversations } = await (await api("/api/conversations")).json();
  list.replaceChildren();
  $("no-conversations").hidden = conversations.length > 0;
  for (const c of conversations) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.id = c.id;
    button.setAttribute("aria-current", String(c.id === state.current));
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = c.title || c.id;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = formatNumber(c.memory.tokensSeen) + " tokens · " + c.turns + " turn" + (c.turns === 1 ? "" : "s");
    button.append(title, meta);
    button.addEventListener("click", () => selectConversation(c.id).catch(showError));
    item.appendChild(button);
    list.appendChild(item);
  }
}

async function selectConversation(id) {
  showError(null);
  state.current = id;
  let conversation = null;
  if (id) {
    conversation = await (await api("/api/conversations/" + encodeURIComponent(id))).json();
    history.replaceState(null, "", "#" + encodeURIComponent(id));
  } else {
    history.replaceState(null, "", location.pathname);
  }
  $("conversation-title").textContent = conversation ? (conversation.title || conversation.id) : "New conversation";
  $("delete-conversation").hidden = !conversation;
  document.querySelectorAll("#conversation-list button").forEach((b) =>
    b.setAttribute("aria-current", String(b.dataset.id === id)));
  let serverTurns = null;
  if (conversation && state.info && state.info.transcript) {
    const kept = await (await api("/api/conversations/" + encodeURIComponent(id) + "/messages")).json();
    serverTurns = kept.messages.map((m) => ({ role: m.role, text: m.text }));
  }
  renderTranscript(conversation, serverTurns);
  renderMemory(conversation);
  $("message").focus();
}

async function newConversation() {
  const created = await (await api("/api/conversations", { method: "POST" })).json();
  await loadConversations();
  await selectConversation(created.id);
}

async function deleteConversation() {
  const id = state.current;
  if (!id || !confirm("Delete this conversation and its memory?")) return;
  await api("/api/conversations/" + encodeURIComponent(id), { method: "DELETE" });
  localStorage.removeItem(transcriptKey(id));
  await selectConversation(null);
  await loadConversations();
}

// ---- sending, with the reply streamed as Server-Sent Events ----
async function send(text) {
  if (!state.current) {
    const created = await (await api("/api/conversations", { method: "POST" })).json();
    state.current = created.id;
    history.replaceState(null, "", "#" + encodeURIComponent(created.id));
  }
  const id = state.current;
  const turns = loadTranscript(id);
  addBubble("user", text);
  const bubble = addBubble("assistant", "");
  bubble.classList.add("streaming");
  bubble.setAttribute("aria-busy", "true"); // screen readers announce the reply once, when it is complete
  let reply = "";
  let done = null;
  try {
    const response = await api("/api/conversations/" + encodeURIComponent(id) + "/messages/stream", {
      method: "POST", body: JSON.stringify({ message: text }), headers: { Accept: "text/event-stream" },
    });
    for await (const event of sseEvents(response)) {
      if (event.name === "token") {
        reply += event.data.text;
        bubble.dataset.tokenEvents = String(Number(bubble.dataset.tokenEvents || 0) + 1);
        bubble.textContent = reply;
        $("transcript").scrollTop = $("transcript").scrollHeight;
      } else if (event.name === "done") {
        done = event.data;
      } else if (event.name === "error") {
        const error = new Error(event.data.detail || "The reply failed");
        error.code = event.data.code;
        throw error;
      }
    }
    if (!done) throw new Error("The reply stream ended early");
  } catch (error) {
    bubble.remove();
    throw error;
  } finally {
    bubble.classList.remove("streaming");
    bubble.removeAttribute("aria-busy");
  }
  bubble.textContent = done.reply;
  bubble.dataset.done = "true";
  addTurnMeta(bubble, done);
  turns.push({ role: "user", text }, { role: "assistant", text: done.reply });
  saveTranscript(id, turns);
  const conversation = await (await api("/api/conversations/" + encodeURIComponent(id))).json();
  $("conversation-title").textContent = conversation.title || conversation.id;
  $("delete-conversation").hidden = false;
  renderMemory(conversation);
  await loadConversations();
}

// Parses a text/event-stream body into {name, data} events (data is JSON).
async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) yield { name, data: JSON.parse(data.join("\n")) };
    }
  }
}

function setBusy(busy) {
  state.busy = busy;
  $("send").disabled = busy;
  $("message").setAttribute("aria-busy", String(busy));
}

// ---- wiring ----
$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text || state.busy) return;
  showError(null);
  setBusy(true);
  $("message").value = "";
  try {
    await send(text);
  } catch (error) {
    $("message").value = text;
    showError(error);
  } finally {
    setBusy(false);
    $("message").focus();
  }
});
$("message").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("new-conversation").addEventListener("click", () => selectConversation(null).catch(showError));
$("delete-conversation").addEventListener("click", () => deleteConversation().catch(showError));
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.apiKey = $("api-key").value.trim();
  localStorage.setItem("infini.apiKey", state.apiKey);
  showError(null);
  start();
});

async function start() {
  try {
    await loadInfo();
    await loadConversations();
    const wanted = decodeURIComponent(location.hash.slice(1));
    try {
      await selectConversation(wanted || null);
    } catch (error) {
      // A link to a conversation that is gone (deleted, expired, another key's): start a new one instead.
      await selectConversation(null);
      throw error;
    }
  } catch (error) {
    showError(error);
  }
}
start();
