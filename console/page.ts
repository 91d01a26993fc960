/**
 * The web console served at `GET /`: one self-contained page (no build step, no CDN).
 * Its script imports the project's own client from `/client.js` (see `client_bundle.ts`),
 * runs queries over Rayforce IPC, renders tables as HTML tables (with an inline SVG chart
 * of a numeric column on request), lists and dicts as trees, errors with their message,
 * shows the server's live statistics from the `/events` protocol, and follows a table live
 * (snapshot, then each commit's rows: live/table_events.ts).
 *
 * @module
 */

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --bg: #f7f8fa; --card: #fff; --muted: #6b7280; --err: #b42318; --ok: #12a150; --line: #d8dce3; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e8ec; --bg: #14161b; --card: #1d2027; --muted: #9aa1ad; --line: #343945; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 14px; align-items: center; padding: 10px 16px; border-bottom: 1px solid var(--line); background: var(--card); }
header b { font-size: 15px; }
#stats { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; }
.dot { width: 11px; height: 11px; border-radius: 50%; display: inline-block; background: var(--err); }
.dot.on { background: var(--ok); }
main { padding: 14px 16px; max-width: 1100px; }
textarea { width: 100%; min-height: 90px; font: 13px/1.4 ui-monospace, monospace; padding: 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
#token-box { padding: 10px 16px; background: #fff4e5; color: #7a4100; }
.card { margin: 12px 0; padding: 10px 12px; border: 1px solid var(--line); border-radius: 8px; background: var(--card); }
.card .q { font: 12px ui-monospace, monospace; color: var(--muted); margin-bottom: 6px; white-space: pre-wrap; }
.card.error { border-color: var(--err); }
.card.error .out { color: var(--err); font-weight: 600; white-space: pre-wrap; }
.out { font: 13px ui-monospace, monospace; white-space: pre-wrap; overflow-x: auto; }
table { border-collapse: collapse; font: 13px ui-monospace, monospace; }
th, td { border: 1px solid var(--line); padding: 2px 8px; text-align: left; }
th small { display: block; color: var(--muted); font-weight: normal; }
ul.tree { margin: 0; padding-left: 18px; }
.meta { color: var(--muted); font-size: 12px; margin-top: 4px; }
.follow { margin-left: 16px; color: var(--muted); }
input { font: inherit; padding: 3px 6px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); }
svg.chart { display: block; margin-top: 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); }
`;

const SCRIPT = `
import { EventClient, RayforceQueryError, toJSON, WSClient } from "/client.js";

const $ = (id) => document.getElementById(id);
const wsBase = location.origin.replace(/^http/, "ws");
const history = JSON.parse(sessionStorage.getItem("rf-history") || "[]");
let cursor = history.length;
let conn, events, last;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function setStatus(on, text) {
  $("status").className = on ? "dot on" : "dot";
  $("status").title = text;
  $("status-text").textContent = text;
}

/** Text of one JSON value as the console shows it inline. */
function inline(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "[" + v.map(inline).join(" ") + "]";
  if (typeof v === "object") return "{" + Object.entries(v).map(([k, x]) => k + ": " + inline(x)).join(" ") + "}";
  return String(v);
}

/** An f64 as the REPL prints it: 2 decimals between 0.1 and 10^6, else exponent. */
function f64(v) {
  if (v === null) return "0Nf";
  const a = Math.abs(v);
  if (a === 0) return "0.00";
  return a >= 0.1 && a <= 1e6 ? v.toFixed(2) : v.toExponential(2).replace(/e([+-])(\d)$/, "e$10$2");
}

function tree(v) {
  if (v === null || typeof v !== "object") return document.createTextNode(inline(v));
  const ul = el("ul", { class: "tree" });
  for (const [k, x] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
    const li = el("li", {}, Array.isArray(v) ? "" : k + ": ");
    li.append(x !== null && typeof x === "object" && !Array.isArray(x) || (Array.isArray(x) && x.some((y) => y !== null && typeof y === "object")) ? tree(x) : inline(x));
    ul.append(li);
  }
  return ul;
}

function chart(values, name) {
  const nums = values.map(Number).filter((n) => Number.isFinite(n));
  const w = 420, h = 120, pad = 6;
  const min = Math.min(...nums), max = Math.max(...nums);
  const x = (i) => pad + (nums.length > 1 ? i * (w - 2 * pad) / (nums.length - 1) : 0);
  const y = (n) => h - pad - (max === min ? 0.5 : (n - min) / (max - min)) * (h - 2 * pad);
  const points = nums.map((n, i) => x(i).toFixed(1) + "," + y(n).toFixed(1)).join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  svg.setAttribute("data-column", name);
  svg.innerHTML = '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="' + points + '"/>' +
    '<text x="8" y="14" font-size="11" fill="currentColor">' + name + ": " + min + " … " + max + "</text>";
  return svg;
}

function table(value) {
  const json = toJSON(value);
  const names = Object.keys(json.columns);
  const types = value.values.items.map((c) => c.type === 0 ? "LIST" : ["", "B8", "U8", "I16", "I32", "I64", "SYMBOL", "DATE", "TIME", "TIMESTAMP", "F64", "GUID", "C8"][c.type]);
  const rows = names.length ? json.columns[names[0]].length : 0;
  const shown = Math.min(rows, 1000);
  const wrap = el("div");
  const t = el("table");
  const head = el("tr");
  names.forEach((n, i) => {
    const th = el("th", {}, n, el("small", {}, types[i]));
    if (["I16", "I32", "I64", "F64", "U8"].includes(types[i])) {
      const b = el("button", { "data-chart": n, title: "chart this column" }, "chart");
      b.onclick = () => { wrap.querySelector("svg")?.remove(); wrap.append(chart(json.columns[n], n)); };
      th.append(" ", b);
    }
    head.append(th);
  });
  t.append(head);
  const cell = (n, i, r) => types[i] === "F64" ? f64(json.columns[n][r]) : inline(json.columns[n][r]);
  for (let r = 0; r < shown; r++) t.append(el("tr", {}, ...names.map((n, i) => el("td", {}, cell(n, i, r)))));
  wrap.append(t, el("div", { class: "meta" }, rows + " rows" + (shown < rows ? " (" + shown + " shown)" : "") + ", " + names.length + " columns"));
  return wrap;
}

function render(value) {
  if (value.type === 98) return table(value);
  if (value.type === 0 || value.type === 99) return tree(toJSON(value));
  if (value.type === 126) return document.createTextNode("Null");
  if (value.type === 12) return document.createTextNode(JSON.stringify(toJSON(value)));
  return document.createTextNode(inline(toJSON(value)));
}

/** A table in the JSON mapping (a live table's copy): its last 1,000 rows. */
function jsonTable(columns, rows) {
  const names = Object.keys(columns);
  const from = Math.max(0, rows - 1000);
  const t = el("table");
  t.append(el("tr", {}, ...names.map((n) => el("th", {}, n))));
  for (let r = from; r < rows; r++) t.append(el("tr", {}, ...names.map((n) => el("td", {}, inline(columns[n][r])))));
  return t;
}

/** Follows a table: a card redrawn (once a frame at most) as its commits arrive. */
async function follow() {
  const name = $("follow-name").value.trim();
  if (!name || !events) return;
  const card = el("div", { class: "card live", "data-table": name }, el("div", { class: "q" }, "live: " + name));
  const out = el("div", { class: "out" }, "…");
  const meta = el("div", { class: "meta" });
  const stop = el("button", {}, "stop");
  card.append(out, meta, stop);
  $("results").prepend(card);
  let drawn = false;
  const draw = (t) => {
    if (drawn) return;
    drawn = true;
    requestAnimationFrame(() => {
      drawn = false;
      out.replaceChildren(t.value !== undefined ? inline(t.value) : jsonTable(t.columns, t.rows));
      meta.textContent = t.rows + " rows · version " + t.version + " · " + t.counts.updates + " updates";
      card.dataset.rows = String(t.rows);
    });
  };
  try {
    const live = await events.subscribeTable(name, {}, (t) => draw(t));
    stop.onclick = () => { live.stop(); meta.textContent += " · stopped"; };
    draw(live);
  } catch (e) {
    card.classList.add("error");
    out.textContent = String(e.message || e);
  }
}

async function run() {
  const source = $("editor").value.trim();
  if (!source || !conn) return;
  if (history[history.length - 1] !== source) history.push(source);
  sessionStorage.setItem("rf-history", JSON.stringify(history.slice(-200)));
  cursor = history.length;
  const card = el("div", { class: "card" }, el("div", { class: "q" }, source));
  const out = el("div", { class: "out" }, "…");
  card.append(out);
  $("results").prepend(card);
  const t0 = performance.now();
  try {
    const value = await conn.executeRaw(source);
    out.replaceChildren(render(value));
  } catch (e) {
    card.classList.add("error");
    out.textContent = e instanceof RayforceQueryError ? "Error: " + e.message : String(e.message || e);
  }
  card.append(el("div", { class: "meta" }, (performance.now() - t0).toFixed(1) + " ms"));
}

async function connect() {
  const token = sessionStorage.getItem("rf-token") || undefined;
  setStatus(false, "connecting");
  try {
    conn = await new WSClient(wsBase, undefined, { token }).connect();
    events = new EventClient(wsBase + "/events", { token, reconnect: true });
    events.onState((s) => setStatus(s === "open" && !conn.closed, s === "open" ? "connected" : s));
    await events.connect();
    setStatus(true, "connected");
    $("token-box").hidden = true;
    document.body.dataset.ready = "1";
  } catch (e) {
    setStatus(false, "disconnected: " + e.message);
    if (/1008|401|token/i.test(e.message)) $("token-box").hidden = false;
  }
}

async function refreshStats() {
  if (!events || events.state !== "open") return;
  try {
    const s = (await events.request("stats")).payload;
    const now = performance.now();
    const done = s.queries.ok + s.queries.failed;
    const qps = last ? (done - last.done) / ((now - last.t) / 1000) : 0;
    last = { done, t: now };
    $("stats").textContent = "connections " + s.connections.current + " · " + qps.toFixed(1) + " q/s · p99 " + s.latencyMs.p99 + " ms";
  } catch { /* next time */ }
}

$("editor").addEventListener("keydown", (e) => {
  const ta = e.target;
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
  } else if (e.key === "ArrowUp" && !ta.value.slice(0, ta.selectionStart).includes("\\n") && cursor > 0) {
    e.preventDefault();
    ta.value = history[--cursor];
  } else if (e.key === "ArrowDown" && !ta.value.slice(ta.selectionEnd).includes("\\n") && cursor < history.length) {
    e.preventDefault();
    ta.value = ++cursor < history.length ? history[cursor] : "";
  }
});
$("run").onclick = run;
$("follow").onclick = follow;
$("token-go").onclick = () => {
  sessionStorage.setItem("rf-token", $("token").value);
  connect();
};
$("url").textContent = wsBase;
setInterval(refreshStats, 1000);
connect();
`;

/** The console's HTML. */
export function consolePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rayforce console</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <span id="status" class="dot" title="disconnected"></span>
  <b>Rayforce console</b>
  <span id="url"></span>
  <span id="status-text">disconnected</span>
  <span id="stats">connections – · – q/s · p99 – ms</span>
</header>
<div id="token-box" hidden>This server needs a token: <input id="token" type="password" autocomplete="off"> <button id="token-go">Connect</button></div>
<main>
  <textarea id="editor" spellcheck="false" placeholder="(select {from: t}) — Ctrl+Enter runs, ↑/↓ history"></textarea>
  <div><button id="run">Run (Ctrl+Enter)</button>
    <span class="follow">Follow a table live: <input id="follow-name" placeholder="trades" size="12"> <button id="follow">Follow</button></span></div>
  <div id="results"></div>
</main>
<script type="module">${SCRIPT}</script>
</body>
</html>
`;
}
