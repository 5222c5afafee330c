"""The sales board: one static page (HTML, CSS and a little JS, no build step, nothing loaded
from elsewhere), served by the leads function at GET /board and by the local stack. It reads
the leads API under `/board/api` (JWT from the Cognito login when deployed, open locally).

Values only ever reach the page as text nodes (`node()` / `append(string)`), so a name like
"<img onerror=...>" is shown, never run; the Content-Security-Policy runs only this script.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadwire.aws.settings import Settings

BOARD_API = "/board/api"
# Sent with each poll, so the local stack's terminal does not print a line every few seconds.
BOARD_POLL_HEADER = "x-leadwire-board"


@dataclass(frozen=True)
class BoardLogin:
    """The Cognito hosted UI the deployed board signs sales in with (no secret: a public
    client using the authorization code flow with PKCE)."""

    url: str  # https://<domain>.auth.<region>.amazoncognito.com
    client_id: str


def board_login(settings: Settings) -> BoardLogin | None:
    """The login the template configured, or None (the local stack: no login)."""
    if settings.board_login_url and settings.board_client_id:
        return BoardLogin(settings.board_login_url.rstrip("/"), settings.board_client_id)
    return None


BOARD_PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sales board - leadwire</title>
<link rel="icon" href="data:,">
<style>
  :root { --line: #d9dde3; --muted: #5f6b7a; --ink: #1d2733; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { font-family: system-ui, sans-serif; margin: 0; color: var(--ink); background: #f6f7f9; }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 1.2rem;
           padding: 0.6rem 1rem; background: var(--ink); color: #fff; }
  header h1 { font-size: 1.05rem; margin: 0; }
  header a, header button.link { color: #b9d3ff; background: none; border: 0; padding: 0;
                                 font: inherit; cursor: pointer; text-decoration: underline; }
  #status { margin-left: auto; font-size: 0.85rem; color: #c8d0da; }
  #status.offline { color: #ffb4a9; }
  .toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem;
             padding: 0.7rem 1rem 0; }
  .toolbar button, .pager button, .actions button { border: 1px solid var(--line);
    background: #fff; padding: 0.35rem 0.8rem; border-radius: 999px; cursor: pointer;
    font: inherit; font-size: 0.9rem; }
  .toolbar button[aria-pressed="true"] { background: var(--ink); color: #fff;
                                        border-color: var(--ink); }
  #search { flex: 1 1 14rem; min-width: 0; padding: 0.4rem 0.6rem; font: inherit;
            border: 1px solid var(--line); border-radius: 6px; }
  #owner-chip { font-size: 0.85rem; }
  main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 30rem); gap: 1rem;
         padding: 0.7rem 1rem 1rem; align-items: start; }
  .list { min-width: 0; }
  .scroll { overflow-x: auto; }
  table { width: 100%; border-collapse: collapse; background: #fff; font-size: 0.88rem; }
  th, td { text-align: left; padding: 0.45rem 0.5rem; border-bottom: 1px solid var(--line);
           vertical-align: top; overflow-wrap: anywhere; }
  th { font-size: 0.72rem; text-transform: uppercase; color: var(--muted); font-weight: 600;
       white-space: nowrap; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  #leads tbody tr { cursor: pointer; }
  #leads tbody tr:hover { background: #eef3fb; }
  #leads tbody tr[aria-selected="true"] { background: #dde8f8; }
  .sub { display: block; color: var(--muted); font-size: 0.8rem; }
  .said { font-size: 0.8rem; font-style: italic; color: #394656; overflow: hidden;
          display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; }
  .stage { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 4px;
           font-size: 0.8rem; font-weight: 600; white-space: nowrap; }
  .stage-lead { background: #e8ebef; } .stage-mql { background: #fff1c2; }
  .stage-sql { background: #c9f0d3; }
  .urgency-high { color: #b42318; font-weight: 600; }
  .overdue { color: #b42318; font-weight: 600; }
  .owner { background: none; border: 0; padding: 0; font: inherit; color: #1a56b0;
           cursor: pointer; text-decoration: underline; text-align: left; }
  .pager { display: flex; flex-wrap: wrap; align-items: center; gap: 0.6rem; margin-top: 0.6rem;
           font-size: 0.85rem; color: var(--muted); }
  #detail { background: #fff; border: 1px solid var(--line); padding: 0.8rem 1rem; min-width: 0; }
  #detail h2 { margin: 0 0 0.2rem; font-size: 1.1rem; overflow-wrap: anywhere; }
  #detail h3 { font-size: 0.8rem; text-transform: uppercase; color: var(--muted);
               margin: 1rem 0 0.3rem; }
  blockquote { margin: 0.4rem 0 0; padding: 0.4rem 0.6rem; background: #f1f4f8;
               border-left: 3px solid #9fb3c8; white-space: pre-wrap; overflow-wrap: anywhere; }
  .split { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.5rem;
           margin-top: 0.6rem; }
  .split div { border: 1px solid var(--line); border-radius: 4px; padding: 0.3rem 0.5rem;
               font-size: 0.8rem; }
  .split b { display: block; font-size: 1.25rem; }
  .actions { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin-top: 0.4rem; }
  .actions input { flex: 1 1 100%; padding: 0.4rem; font: inherit; border: 1px solid var(--line);
                   border-radius: 6px; min-width: 0; }
  #disposition-result { font-size: 0.85rem; }
  #disposition-result.refused { color: #b42318; }
  ul.rules { list-style: none; margin: 0; padding: 0; font-size: 0.78rem; }
  .empty { color: var(--muted); padding: 1rem; background: #fff; }
  .back { display: none; }
  .transition { font-size: 0.85rem; margin-bottom: 0.4rem; }
  #ledger { table-layout: fixed; font-size: 0.8rem; }
  #ledger td { overflow-wrap: break-word; }
  #ledger col.when { width: 6rem; } #ledger col.points { width: 3.6rem; }
  #ledger col.action { width: 24%; }
  /* Below 1100 px the detail goes under the list; below 720 px each lead is a card. */
  @media (max-width: 1100px) {
    main { grid-template-columns: minmax(0, 1fr); }
  }
  @media (max-width: 720px) {
    header, .toolbar, main { padding-left: 0.6rem; padding-right: 0.6rem; }
    #status { margin-left: 0; flex-basis: 100%; }
    #leads thead { display: none; }
    #leads, #leads tbody, #leads tr, #leads td { display: block; width: 100%; }
    #leads tr { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 0.1rem 0.6rem;
                padding: 0.5rem 0.6rem; border-bottom: 1px solid var(--line); }
    #leads td { border: 0; padding: 0.1rem 0; text-align: left; }
    #leads td.lead { grid-column: 1 / -1; }
    #leads td[data-label]::before { content: attr(data-label) ": "; color: var(--muted);
                                    font-size: 0.75rem; }
    #leads td.blank { display: none; }
    /* A phone shows the list or one lead, never both; "All leads" goes back. */
    body.reading section.list, body:not(.reading) #detail { display: none; }
    .back { display: inline-block; margin-bottom: 0.5rem; }
    #ledger colgroup, #ledger thead { display: none; }
    #ledger, #ledger tbody { display: block; }
    #ledger tr { display: grid; grid-template-columns: minmax(0, 1fr) auto;
                 grid-template-areas: "action points" "when when" "rules rules";
                 padding: 0.35rem 0; border-bottom: 1px solid var(--line); }
    #ledger td { border: 0; padding: 0.05rem 0; }
    #ledger td:nth-child(1) { grid-area: when; } #ledger td:nth-child(2) { grid-area: action; }
    #ledger td:nth-child(3) { grid-area: rules; } #ledger td:nth-child(4) { grid-area: points; }
    #ledger td .sub { display: inline; margin-left: 0.4rem; }
  }
</style>
</head>
<body>
<script type="application/json" id="board-config">__CONFIG__</script>
<header>
  <h1>leadwire &middot; sales board</h1>
  <span id="who" hidden></span>
  <button type="button" id="sign-out" class="link" hidden>sign out</button>
  <span id="status" role="status">connecting&hellip;</span>
</header>
<div class="toolbar">
  <span id="stages" role="group" aria-label="Filter by stage">
    <button type="button" data-stage="" aria-pressed="true">All</button>
    <button type="button" data-stage="sql" aria-pressed="false">SQL</button>
    <button type="button" data-stage="mql" aria-pressed="false">MQL</button>
    <button type="button" data-stage="lead" aria-pressed="false">Lead</button>
  </span>
  <input id="search" type="search" placeholder="Search name, e-mail or company"
         aria-label="Search name, e-mail or company" autocomplete="off">
  <button type="button" id="mine" aria-pressed="false" hidden>My leads</button>
  <span id="owner-chip" hidden>owner <b id="owner-name"></b>
    <button type="button" id="owner-clear" aria-label="Show every owner">&times;</button></span>
  <button type="button" id="csv">Export CSV</button>
</div>
<main>
  <section class="list">
    <div class="scroll">
      <table id="leads">
        <thead><tr>
          <th>Lead</th><th>Stage</th><th class="num">Score</th><th>Urgency</th>
          <th>Response due</th><th>Owner</th><th>Last activity</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
    <p id="empty" class="empty" hidden>No leads match.</p>
    <div class="pager">
      <button type="button" id="prev" disabled>&larr; Previous</button>
      <span id="range"></span>
      <button type="button" id="next" disabled>Next &rarr;</button>
    </div>
  </section>
  <aside id="detail" aria-live="polite"><p class="sub">Click a lead for what they said, why
    it scored what it did, and to accept, reject or recycle it.</p></aside>
</main>
<script>
"use strict";
const CONFIG = JSON.parse(document.getElementById("board-config").textContent);
const POLL_MS = 3000;
const PAGE_SIZE = 25;
const TOKEN_KEY = "leadwire.board.token";
const VERIFIER_KEY = "leadwire.board.pkce";
const ME_KEY = "leadwire.board.me";
const HINT = document.querySelector("#detail p");
const board = {
  stage: "",
  search: "",
  owner: "",
  me: "",
  cursors: [null],  // the cursor of each page seen so far; the last is the page shown
  lead: null,
  notice: null,  // the last disposition answer for the open lead (a refusal stays shown)
  generation: 0,
  halted: false,  // the API refused a fresh sign-in: stop rather than loop through the login
  items: [],
};

// The view is in the address (read once signed in: the login's return address carries only
// its code until the address from before the login is put back).
function readView() {
  const query = new URLSearchParams(location.search);
  board.stage = query.get("stage") || "";
  board.search = query.get("q") || "";
  board.owner = query.get("owner") || "";
  if (query.get("me")) localStorage.setItem(ME_KEY, query.get("me"));
  board.me = board.me || query.get("me") || localStorage.getItem(ME_KEY) || "";
  document.getElementById("search").value = board.search;
}

// Every value goes in as a text node: strings passed to append() are never parsed as markup.
function node(tag, className, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  for (const child of children) {
    element.append(child instanceof Node ? child : String(child ?? ""));
  }
  return element;
}

function cell(label, className, ...children) {
  const td = node("td", className, ...children);
  if (label) td.dataset.label = label;
  if (!td.textContent.trim()) td.classList.add("blank");  // a phone's card skips it
  return td;
}

function leadName(lead) {
  const profile = lead.profile || {};
  const full = [profile.firstName, profile.lastName].filter(Boolean).join(" ");
  return profile.name || full || lead.email || (lead.visitorIds || [])[0] || lead.leadId;
}

// Engagement fades continuously; sales sees it rounded, everywhere, as the total is.
function whole(value) {
  return String(Math.round(Number(value || 0)));
}

function signed(value) {
  return (value > 0 ? "+" : "") + String(value);
}

function ago(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const size = Math.abs(seconds);
  const [amount, unit] = size < 45 ? [0, ""] : size < 3600 ? [Math.round(size / 60), "min"]
    : size < 86400 ? [Math.round(size / 3600), "h"] : [Math.round(size / 86400), "d"];
  if (!unit) return "just now";
  return seconds < 0 ? amount + " " + unit + " ago" : "in " + amount + " " + unit;
}

function timeNode(iso, className) {
  const element = node("time", className || "", ago(iso));
  if (iso) {
    element.dateTime = iso;
    element.title = new Date(iso).toLocaleString();
  }
  return element;
}

function words(value) {
  return value ? String(value).replaceAll("_", " ") : "";
}

function stageBadge(stage) {
  const known = ["lead", "mql", "sql"].includes(stage) ? stage : "lead";
  const label = stage === "lead" ? "lead" : String(stage).toUpperCase();
  return node("span", "stage stage-" + known, label);
}

function joined(...values) {
  return values.filter(Boolean).join(" \u00b7 ");
}

function responseDue(lead) {
  const sla = lead.sla;
  if (!sla) return "";
  if (sla.acknowledgedAt) return node("span", "sub", "seen " + ago(sla.acknowledgedAt));
  const late = new Date(sla.due).getTime() < Date.now();
  return timeNode(sla.due, late ? "overdue" : "");
}

function ownerButton(lead) {
  if (!lead.owner) return node("span", "sub", lead.queue ? "queue " + lead.queue : "");
  const button = node("button", "owner", lead.owner);
  button.type = "button";
  button.title = "Show only " + lead.owner + "'s leads";
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    setOwner(lead.owner);
  });
  return button;
}

function leadRow(lead) {
  const said = lead.message ? node("span", "said", "\u201c" + lead.message + "\u201d") : "";
  const row = node("tr", "",
    cell("", "lead", node("b", "", leadName(lead)),
      node("span", "sub", joined(lead.email, (lead.profile || {}).company)), said),
    cell("Stage", "", stageBadge(lead.stage)),
    cell("Score", "num", node("b", "", whole(lead.score))),
    cell("Urgency", lead.urgency === "high" ? "urgency-high" : "", lead.urgency),
    cell("Due", "", responseDue(lead)),
    cell("Owner", "", ownerButton(lead)),
    cell("Last", "", words(lead.lastAction), node("span", "sub", ago(lead.updatedAt))));
  row.dataset.leadId = lead.leadId;
  if (lead.urgencyReasons && lead.urgencyReasons.length) {
    row.children[3].title = lead.urgencyReasons.join("; ");
  }
  row.setAttribute("aria-selected", String(lead.leadId === board.lead));
  row.addEventListener("click", () => { location.hash = lead.leadId; });
  return row;
}

function rulesList(rules) {
  const list = node("ul", "rules");
  for (const [rule, points] of Object.entries(rules || {})) {
    list.append(node("li", "", rule + " " + signed(points)));
  }
  return list;
}

function dispositionForm(lead) {
  const reason = node("input", "");
  reason.id = "reason";
  reason.placeholder = "Reason (needed to reject or recycle)";
  reason.maxLength = 500;
  reason.setAttribute("aria-label", "Reason");
  const result = node("span", "");
  result.id = "disposition-result";
  result.setAttribute("role", "status");
  const notice = board.notice && board.notice.leadId === lead.leadId ? board.notice : null;
  if (notice && notice.refused) {
    result.className = "refused";
    result.textContent = notice.text;
  } else if (lead.disposition) {
    result.textContent = lead.disposition.outcome + " " + ago(lead.disposition.at) +
      (lead.disposition.reason ? ": " + lead.disposition.reason : "");
  }
  const buttons = [["accepted", "Accept"], ["rejected", "Reject"], ["recycled", "Recycle"]]
    .map(([outcome, label]) => {
      const button = node("button", "", label);
      button.type = "button";
      button.dataset.outcome = outcome;
      button.addEventListener("click", () => dispose(lead.leadId, outcome));
      return button;
    });
  return node("div", "actions", reason, ...buttons, result);
}

async function dispose(leadId, outcome) {
  // Looked up now: a poll may have redrawn the panel since it was drawn.
  const reason = () => document.getElementById("reason");
  const result = () => document.getElementById("disposition-result");
  const say = (text, refused) => {
    board.notice = { leadId, text, refused };  // kept when a poll redraws the panel
    result().className = refused ? "refused" : "";
    result().textContent = text;
  };
  const why = reason().value.trim();
  if (outcome !== "accepted" && !why) {
    say("Say why, so marketing learns from it.", true);
    reason().focus();
    return;
  }
  try {
    const body = JSON.stringify(why ? { outcome, reason: why } : { outcome });
    const lead = await api("/leads/" + encodeURIComponent(leadId) + "/disposition",
      { method: "POST", body, headers: { "content-type": "application/json" } });
    reason().value = "";
    say(lead.disposition.outcome + " just now", false);
    poll();
  } catch (error) {
    say(error.message, true);
  }
}

function renderDetail(lead) {
  const detail = document.getElementById("detail");
  if (lead.missing) {
    detail.replaceChildren(node("p", "sub", "Lead " + board.lead + ": " + lead.missing));
    return;
  }
  if (detail.contains(document.activeElement) && document.activeElement.id === "reason") {
    return;  // sales is typing a reason: a poll must not wipe it
  }
  const profile = lead.profile || {};
  const bant = lead.bant || {};
  const size = profile.companySize && profile.companySize + " people";
  const sla = lead.sla;
  const back = node("button", "back", "\u2190 All leads");
  back.type = "button";
  back.addEventListener("click", () => { location.hash = ""; });
  const parts = [
    back,
    node("h2", "", leadName(lead)),
    node("span", "sub", joined(profile.jobTitle, profile.company, size, profile.country)),
    node("span", "sub", joined(lead.email, profile.phone)),
    node("span", "sub", joined(lead.owner ? "owner " + lead.owner : "no owner yet",
      lead.queue && "queue " + lead.queue,
      sla && (sla.acknowledgedAt ? "seen " + ago(sla.acknowledgedAt)
        : "response due " + ago(sla.due)))),
  ];
  if (lead.message) {
    parts.push(node("h3", "", "What they wrote " + (lead.messageAt ? ago(lead.messageAt) : "")),
      node("blockquote", "", lead.message));
  }
  const account = lead.account;
  if (account) {
    // Who else from the company engaged: B2B deals are bought by a group.
    parts.push(node("h3", "", "Account: " + account.name + (account.surge ? " (surge)" : "")),
      node("span", "sub", account.summary));
    for (const other of account.people || []) {
      const link = node("a", "", other.name);
      link.href = "#" + other.leadId;
      parts.push(node("div", "colleague", link, " ",
        node("span", "sub", joined(other.jobTitle, stageBadge(other.stage).textContent,
          "score " + other.score, "engaged " + ago(other.engagedAt)))));
    }
  }
  parts.push(
    node("div", "split",
      node("div", "", "Total", node("b", "", whole(lead.score))),
      node("div", "", "Fit", node("b", "", whole(lead.fit))),
      node("div", "", "Engagement", node("b", "", whole(lead.engagement)))),
    node("span", "sub", joined(stageBadge(lead.stage).textContent, "urgency " + lead.urgency,
      (lead.urgencyReasons || []).join("; "))),
    node("h3", "", "Sales feedback"),
    dispositionForm(lead),
    node("h3", "", "BANT (" + (bant.known ?? 0) + "/4 known)"),
    node("span", "sub", joined("budget: " + (bant.budget || "?"),
      "authority: " + words(bant.authority || "?"), "need: " + words(bant.need || "?"),
      "timeline: " + (bant.timeline || "?"))),
    node("h3", "", "Transitions"));
  const transitions = lead.transitions || [];
  if (!transitions.length) parts.push(node("span", "sub", "none yet"));
  for (const t of transitions) {
    parts.push(node("div", "transition", timeNode(t.at, "sub"),
      stageBadge(t.fromStage), " \u2192 ", stageBadge(t.toStage), " ", t.cause));
  }
  parts.push(node("h3", "", "Ledger: why each point was given"));
  const columns = node("colgroup", "");
  for (const name of ["when", "action", "rules", "points"]) {
    const col = node("col", name);
    columns.append(col);
  }
  const ledger = node("table", "", columns, node("thead", "", node("tr", "",
    node("th", "", "When"), node("th", "", "Action"), node("th", "", "Rules"),
    node("th", "num", "Points"))));
  ledger.id = "ledger";
  const body = node("tbody", "");
  for (const entry of [...(lead.ledger || [])].reverse()) {
    body.append(node("tr", "",
      node("td", "", timeNode(entry.at), node("span", "sub", "rules " + entry.rulesVersion)),
      node("td", "", words(entry.action), node("span", "sub",
        joined(entry.provider, entry.form))),
      node("td", "", rulesList(entry.rules)),
      node("td", "num", node("b", "", signed(entry.points)))));
  }
  ledger.append(body);
  parts.push(ledger);
  detail.replaceChildren(...parts);
}

function setStatus(text, offline) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.classList.toggle("offline", offline);
}

// -- signing in (deployed: Cognito's hosted UI, authorization code with PKCE) ---------------

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function savedToken() {
  const token = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || "null");
  return token && token.expiresAt > Date.now() + 30000 ? token : null;
}

function redirectUri() {
  return location.origin + location.pathname;
}

async function signIn() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256",
    new TextEncoder().encode(verifier)));
  sessionStorage.setItem(VERIFIER_KEY, JSON.stringify({ verifier, back: location.search +
    location.hash }));
  const url = new URL(CONFIG.login.url + "/oauth2/authorize");
  url.search = new URLSearchParams({ response_type: "code", client_id: CONFIG.login.clientId,
    redirect_uri: redirectUri(), scope: "openid email profile",
    code_challenge_method: "S256", code_challenge: challenge }).toString();
  location.assign(url.toString());
}

async function finishSignIn(code) {
  const saved = JSON.parse(sessionStorage.getItem(VERIFIER_KEY) || "{}");
  sessionStorage.removeItem(VERIFIER_KEY);
  const response = await fetch(CONFIG.login.url + "/oauth2/token", { method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code,
      client_id: CONFIG.login.clientId, redirect_uri: redirectUri(),
      code_verifier: saved.verifier || "" }) });
  if (!response.ok) throw new Error("sign-in failed (" + response.status + ")");
  const tokens = await response.json();
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ idToken: tokens.id_token,
    expiresAt: Date.now() + tokens.expires_in * 1000, signedInAt: Date.now() }));
  history.replaceState(null, "", location.pathname + (saved.back || ""));
}

function claims(token) {
  const part = token.idToken.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
}

async function signedIn() {
  if (!CONFIG.login) return true;
  const code = new URLSearchParams(location.search).get("code");
  if (code) await finishSignIn(code);
  const token = savedToken();
  if (!token) {
    await signIn();
    return false;
  }
  const who = claims(token);
  board.me = who["custom:rep"] || who["cognito:username"] || "";
  const shown = document.getElementById("who");
  shown.textContent = who.email || board.me;
  shown.hidden = false;
  const out = document.getElementById("sign-out");
  out.hidden = false;
  out.addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    const url = new URL(CONFIG.login.url + "/logout");
    url.search = new URLSearchParams({ client_id: CONFIG.login.clientId,
      logout_uri: redirectUri() }).toString();
    location.assign(url.toString());
  });
  return true;
}

async function api(path, options = {}) {
  const headers = { accept: "application/json", "x-leadwire-board": "poll",
    ...(options.headers || {}) };
  const token = savedToken();
  if (CONFIG.login && token) headers.authorization = "Bearer " + token.idToken;
  const response = await fetch(CONFIG.api + path, { ...options, headers });
  if (response.status === 401 && !CONFIG.login) {
    throw new Error("the board's login is not set up yet: deploy with BoardUrl");
  }
  if (response.status === 401) {
    const fresh = token && Date.now() - (token.signedInAt || 0) < 60000;
    sessionStorage.removeItem(TOKEN_KEY);
    // A token refused right after signing in would only loop through the hosted UI.
    if (fresh) {
      board.halted = true;  // no more polls: reload the page to try again
      throw new Error("the API refused a fresh sign-in (401): check BoardUrl");
    }
    await signIn();
    throw new Error("signing in again");
  }
  const body = await response.json();
  if (!response.ok) throw new Error((body.error && body.error.message) || response.status);
  return body;
}

// -- the view: filters, paging, polling, export ---------------------------------------------

function viewQuery(limit, cursor) {
  const params = new URLSearchParams({ sort: "priority", limit: String(limit) });
  if (board.stage) params.set("stage", board.stage);
  if (board.search) params.set("q", board.search);
  if (board.owner) params.set("owner", board.owner);
  if (cursor) params.set("cursor", cursor);
  return "/leads?" + params;
}

function remember() {
  const url = new URL(location.href);
  for (const [key, value] of [["stage", board.stage], ["q", board.search],
    ["owner", board.owner]]) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  history.replaceState(null, "", url);
}

function restart() {
  board.cursors = [null];
  remember();
  poll();
}

function setOwner(owner) {
  board.owner = owner;
  restart();
}

function showFilters() {
  for (const button of document.querySelectorAll("#stages button")) {
    button.setAttribute("aria-pressed", String(button.dataset.stage === board.stage));
  }
  const mine = document.getElementById("mine");
  mine.hidden = !board.me;
  mine.setAttribute("aria-pressed", String(Boolean(board.me) && board.owner === board.me));
  document.getElementById("owner-chip").hidden = !board.owner || board.owner === board.me;
  document.getElementById("owner-name").textContent = board.owner;
}

async function refresh() {
  const generation = ++board.generation;  // a newer refresh (filter, click) supersedes this one
  const cursor = board.cursors[board.cursors.length - 1];
  try {
    const page = await api(viewQuery(PAGE_SIZE, cursor));
    const lead = board.lead && await api("/leads/" + encodeURIComponent(board.lead))
      .catch((error) => ({ missing: error.message }));
    if (generation !== board.generation) return;
    board.items = page.items;
    document.querySelector("#leads tbody").replaceChildren(...page.items.map(leadRow));
    document.getElementById("empty").hidden = page.items.length > 0;
    const first = (board.cursors.length - 1) * PAGE_SIZE;
    document.getElementById("range").textContent = page.items.length ?
      (first + 1) + "\u2013" + (first + page.items.length) + " of " + page.total : "";
    document.getElementById("prev").disabled = board.cursors.length < 2;
    const next = document.getElementById("next");
    next.disabled = !page.next;
    next.dataset.cursor = page.next || "";
    showFilters();
    if (lead) renderDetail(lead);
    setStatus("live \u00b7 updated " + new Date().toLocaleTimeString(), false);
  } catch (error) {
    if (generation !== board.generation) return;
    setStatus("cannot reach the leads API (" + error.message + "); retrying", true);
  }
}

let timer = null;
async function poll() {
  clearTimeout(timer);
  if (board.halted) return;
  await refresh();
  if (!board.halted) timer = setTimeout(poll, POLL_MS);
}

function csvCell(value) {
  let text = String(value ?? "");
  if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;  // a spreadsheet must not run it
  return /[",\r\n]/.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
}

async function exportCsv() {
  // The whole current view (every page of it), in the order shown.
  const rows = [["name", "email", "company", "stage", "score", "fit", "engagement", "urgency",
    "owner", "response_due", "last_action", "updated_at", "message", "lead_id"]];
  let cursor = null;
  do {
    const page = await api(viewQuery(100, cursor));
    for (const lead of page.items) {
      rows.push([leadName(lead), lead.email, (lead.profile || {}).company, lead.stage,
        whole(lead.score), whole(lead.fit), whole(lead.engagement), lead.urgency, lead.owner,
        lead.sla ? lead.sla.due : "", lead.lastAction, lead.updatedAt, lead.message,
        lead.leadId]);
    }
    cursor = page.next;
  } while (cursor);
  const text = rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  const link = node("a", "");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  link.download = "leads-" + new Date().toISOString().slice(0, 10) + ".csv";
  document.body.append(link);
  link.click();
  link.remove();
}

function selectFromHash() {
  board.lead = decodeURIComponent(location.hash.slice(1)) || null;
  board.notice = null;
  document.body.classList.toggle("reading", Boolean(board.lead));
  if (!board.lead) document.getElementById("detail").replaceChildren(HINT);
  poll().then(() => {
    if (board.lead && matchMedia("(max-width: 1100px)").matches) {
      document.getElementById("detail").scrollIntoView({ block: "start" });
    }
  });
}

for (const button of document.querySelectorAll("#stages button")) {
  button.addEventListener("click", () => {
    board.stage = button.dataset.stage;
    restart();
  });
}
const search = document.getElementById("search");
let typing = null;
search.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    board.search = search.value.trim();
    restart();
  }, 300);
});
document.getElementById("mine").addEventListener("click", () => {
  setOwner(board.owner === board.me ? "" : board.me);
});
document.getElementById("owner-clear").addEventListener("click", () => setOwner(""));
document.getElementById("next").addEventListener("click", (event) => {
  if (!event.target.dataset.cursor) return;
  board.cursors.push(event.target.dataset.cursor);
  poll();
});
document.getElementById("prev").addEventListener("click", () => {
  if (board.cursors.length > 1) board.cursors.pop();
  poll();
});
document.getElementById("csv").addEventListener("click", () => {
  exportCsv().catch((error) => setStatus("export failed (" + error.message + ")", true));
});
window.addEventListener("hashchange", selectFromHash);
signedIn().then((ok) => {
  if (!ok) return;
  readView();
  selectFromHash();
}).catch((error) => setStatus(error.message, true));

</script>
</body>
</html>
"""


def _script_hashes(page: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    )


_HASHES = _script_hashes(BOARD_PAGE)


def board_page(login: BoardLogin | None) -> tuple[bytes, dict[str, str]]:
    """The page and its headers. The config (no secrets: where the API and the login are) is
    a JSON data block the script reads; it is never run, so the script's hash stays fixed."""
    config = {
        "api": BOARD_API,
        "login": {"url": login.url, "clientId": login.client_id} if login else None,
    }
    data = json.dumps(config).replace("<", "\\u003c")  # cannot close the data block
    connect = "'self'" + (f" {login.url}" if login else "")
    headers = {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": (
            f"default-src 'none'; script-src {_HASHES}; style-src 'unsafe-inline'; "
            f"connect-src {connect}; img-src 'self' data:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        ),
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
    }
    return BOARD_PAGE.replace("__CONFIG__", data).encode(), headers
