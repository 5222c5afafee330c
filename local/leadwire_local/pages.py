"""Pages the local server serves itself (never deployed): plain HTML and a little JS."""

from __future__ import annotations

import base64
import hashlib
import html
import re

# An example of the form a marketing site has. A browser cannot sign a webhook, so it posts to
# the unsigned `html` provider; `redirect` brings the visitor back here (REDIRECT_ORIGINS lists
# this server's origin). It carries the form's defences as README "Hardening" shows them: a
# honeypot field kept off-screen by CSS, and a signed token fetched from /forms/token (required
# only with FORM_TOKEN_REQUIRED=true). A refused post comes back as `/?error=<code>`, whose
# message is shown. Every value is set as text, never as markup.
FORM_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Request a demo - leadwire example form</title>
<link rel="icon" href="data:,">
<script>
  // The snippet's embed code: calls made before /t.js has loaded wait in a queue.
  window.leadwire = window.leadwire || function () {
    (window.leadwire.q = window.leadwire.q || []).push(arguments);
  };
</script>
<script async src="/t.js" data-consent="denied"></script>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
  label { display: block; margin-top: 0.8rem; }
  input, select, textarea { width: 100%; padding: 0.4rem; box-sizing: border-box; }
  button { margin-top: 1rem; padding: 0.5rem 1.2rem; }
  #thanks { background: #e6f4ea; padding: 0.6rem; border-radius: 4px; }
  #refused { background: #fdecea; padding: 0.6rem; border-radius: 4px; }
  #consent { background: #eef3fb; padding: 0.6rem; border-radius: 4px; font-size: 0.9rem; }
  #consent button { margin: 0.4rem 0.4rem 0 0; padding: 0.3rem 0.9rem; }
  /* The honeypot: off-screen for people (and screen readers), there for bots. */
  .leadwire-hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
</style>
</head>
<body>
<p><a href="/board">Leads board</a> (watch this form's lead get scored)</p>
<div id="consent" role="region" aria-label="Analytics consent" hidden>
  This example site counts your page views with leadwire's first-party snippet (no third
  party, no fingerprint; never with Do Not Track or Global Privacy Control on), so that a demo
  request shows the pages you read first.
  <div><button type="button" id="consent-allow">Allow analytics</button><button type="button"
    id="consent-deny">No thanks</button></div>
</div>
<h1>Request a demo</h1>
<p id="thanks" hidden>Thanks! Your request was received. See it on the
  <a href="/board">leads board</a>.</p>
<p id="refused" role="alert" hidden></p>
<form method="post" action="/webhooks/forms/html">
  <input type="hidden" name="form" value="demo-request">
  <input type="hidden" name="redirect" id="redirect" value="">
  <input type="hidden" name="submission_id" id="submission" value="">
  <input type="hidden" name="visitor_id" value="">
  <input type="hidden" name="leadwire_token" id="token" value="">
  <div class="leadwire-hp" aria-hidden="true">
    <label>Website <input name="leadwire_website" tabindex="-1" autocomplete="off"></label>
  </div>
  <label>Work email <input type="email" name="email" required></label>
  <label>First name <input name="first_name"></label>
  <label>Last name <input name="last_name"></label>
  <label>Job title <input name="job_title"></label>
  <label>Company <input name="company"></label>
  <label>Company size <input name="company_size" inputmode="numeric"></label>
  <label>Budget <input name="budget" placeholder="$40k"></label>
  <label>Timeline <input name="timeline" placeholder="within one month"></label>
  <label>Message <textarea name="message" rows="3"></textarea></label>
  <button type="submit">Request a demo</button>
</form>
<script>
  document.getElementById("redirect").value = location.origin + "/?thanks=1";
  // One id per rendering of the page: a double-click or a resubmitted page is one
  // submission, a new visit to the page a new one.
  document.getElementById("submission").value = crypto.randomUUID ?
    crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  // A signed token from when the form was shown: with FORM_TOKEN_REQUIRED, a post needs one
  // at least a few seconds old, used once. Without it (or if the fetch fails) the form
  // still posts.
  fetch("/forms/token", {cache: "no-store"})
    .then((r) => r.ok ? r.json() : null)
    .then((t) => { if (t) document.getElementById("token").value = t.token; })
    .catch(() => {});
  // The consent banner, until the visitor answers (the snippet remembers the answer). The
  // snippet puts its anonymous id in the form's visitor_id only after "Allow".
  const banner = document.getElementById("consent");
  let answered = null;
  try { answered = localStorage.getItem("leadwire_consent"); } catch (e) {}
  banner.hidden = answered !== null;
  for (const [id, granted] of [["consent-allow", true], ["consent-deny", false]]) {
    document.getElementById(id).addEventListener("click", () => {
      leadwire("consent", granted);
      banner.hidden = true;
    });
  }
  const params = new URLSearchParams(location.search);
  if (params.get("thanks") === "1") {
    document.getElementById("thanks").hidden = false;
  }
  const REFUSALS = {
    origin_not_allowed: "This form can only be sent from our own pages.",
    honeypot_filled: "Your request looked automated and was not sent. Please try again.",
    form_token_missing: "The form was not ready yet. Please reload the page and send it again.",
    form_token_invalid: "The form was not ready yet. Please reload the page and send it again.",
    form_token_too_fresh: "That was quicker than a person types. Please send it again.",
    form_token_expired: "This page was open for a long time. Please send the form again.",
    form_token_used: "This form was already sent. Reload the page to send another request.",
    rate_limited: "Too many requests from your network. Please wait a minute and try again.",
  };
  const refused = params.get("error");
  if (refused) {
    const shown = document.getElementById("refused");
    shown.textContent = REFUSALS[refused] || "Your request could not be sent (" + refused + ").";
    shown.hidden = false;
  }
</script>
</body>
</html>
"""


# The leads board: GET /leads every two seconds (newest first, filtered by stage), a lead's
# detail with its ledger from GET /leads/{id}. Values only ever reach the page as text nodes
# (`text()` / `append(string)`), so a name like "<img onerror=...>" is shown, never run.
BOARD_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Leads board - leadwire</title>
<link rel="icon" href="data:,">
<style>
  :root { --line: #d9dde3; --muted: #5f6b7a; }
  [hidden] { display: none !important; }
  body { font-family: system-ui, sans-serif; margin: 0; color: #1d2733; background: #f6f7f9; }
  header { display: flex; align-items: center; gap: 1.2rem; padding: 0.7rem 1.2rem;
           background: #1d2733; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header a { color: #b9d3ff; }
  #status { margin-left: auto; font-size: 0.85rem; color: #c8d0da; }
  #status.offline { color: #ffb4a9; }
  nav { display: flex; gap: 0.3rem; padding: 0.8rem 1.2rem 0; }
  nav button { border: 1px solid var(--line); background: #fff; padding: 0.3rem 0.9rem;
               border-radius: 999px; cursor: pointer; }
  nav button[aria-pressed="true"] { background: #1d2733; color: #fff; border-color: #1d2733; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem;
         padding: 0.8rem 1.2rem 1.2rem; }
  table { width: 100%; border-collapse: collapse; background: #fff; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.45rem 0.6rem; border-bottom: 1px solid var(--line);
           vertical-align: top; }
  th { font-size: 0.75rem; text-transform: uppercase; color: var(--muted); font-weight: 600; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  #leads tbody tr { cursor: pointer; }
  #leads tbody tr:hover { background: #eef3fb; }
  #leads tbody tr[aria-selected="true"] { background: #dde8f8; }
  .sub { display: block; color: var(--muted); font-size: 0.8rem; }
  .stage { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 4px;
           font-size: 0.8rem; font-weight: 600; }
  .stage-lead { background: #e8ebef; } .stage-mql { background: #fff1c2; }
  .stage-sql { background: #c9f0d3; }
  .urgency-high { color: #b42318; font-weight: 600; }
  #detail { background: #fff; border: 1px solid var(--line); padding: 0.8rem 1rem;
            align-self: start; }
  #detail h2 { margin: 0 0 0.2rem; font-size: 1.1rem; }
  #detail h3 { font-size: 0.85rem; text-transform: uppercase; color: var(--muted);
               margin: 1rem 0 0.3rem; }
  .split { display: flex; gap: 0.6rem; margin-top: 0.6rem; }
  .split div { flex: 1; border: 1px solid var(--line); border-radius: 4px; padding: 0.3rem 0.5rem; }
  .split b { display: block; font-size: 1.3rem; }
  ul.rules { list-style: none; margin: 0; padding: 0; font-size: 0.8rem; }
  ul.rules li { display: flex; justify-content: space-between; gap: 0.8rem; }
  .empty { color: var(--muted); padding: 1rem; background: #fff; }
  .transition { font-size: 0.85rem; margin-bottom: 0.4rem; }
  #detail table { font-size: 0.82rem; }
  .nowrap { white-space: nowrap; }
</style>
</head>
<body>
<header>
  <h1>leadwire &middot; leads board</h1>
  <a href="/">lead form</a>
  <span id="status" role="status">connecting&hellip;</span>
</header>
<nav id="stages" aria-label="Filter by stage">
  <button type="button" data-stage="" aria-pressed="true">All</button>
  <button type="button" data-stage="lead" aria-pressed="false">Lead</button>
  <button type="button" data-stage="mql" aria-pressed="false">MQL</button>
  <button type="button" data-stage="sql" aria-pressed="false">SQL</button>
</nav>
<main>
  <section>
    <table id="leads">
      <thead><tr>
        <th>Lead</th><th>Stage</th><th class="num">Fit</th><th class="num">Engagement</th>
        <th class="num">Total</th><th>Urgency</th><th>Last action</th><th>In stage since</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    <p id="empty" class="empty" hidden>No leads yet. Fill the <a href="/">lead form</a>, or
      send a sample webhook: <code>leadwire send json</code>.</p>
    <p id="more" class="sub" hidden>Showing the newest 100 leads.</p>
  </section>
  <aside id="detail" aria-live="polite"><p class="sub">Click a lead to see why it scored
    what it did.</p></aside>
</main>
<script>
"use strict";
const POLL_MS = 2000;
const board = {
  stage: new URLSearchParams(location.search).get("stage") || "",
  lead: null,
  generation: 0,
};

// Every value goes in as a text node: strings passed to append() are never parsed as markup.
function node(tag, className, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  for (const child of children) {
    element.append(child instanceof Node ? child : String(child ?? ""));
  }
  return element;
}

function urgencyCell(lead) {
  // The level, and why it is high (the reasons as the cell's tooltip and after the level).
  const reasons = (lead.urgencyReasons || []).join("; ");
  const cell = node("td", "urgency-" + (lead.urgency === "high" ? "high" : "normal"),
    lead.urgency + (reasons ? " (" + reasons + ")" : ""));
  if (reasons) cell.title = reasons;
  return cell;
}

function leadName(lead) {
  const profile = lead.profile || {};
  const full = [profile.firstName, profile.lastName].filter(Boolean).join(" ");
  return profile.name || full || lead.email || (lead.visitorIds || [])[0] || lead.leadId;
}

function number(value) {
  const n = Number(value || 0);
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function signed(value) {
  return (value > 0 ? "+" : "") + String(value);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
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
  return values.filter(Boolean).join(" \\u00b7 ");
}

function leadRow(lead) {
  const row = node("tr", "",
    node("td", "", leadName(lead),
      node("span", "sub", joined(lead.email, (lead.profile || {}).company))),
    node("td", "", stageBadge(lead.stage)),
    node("td", "num", number(lead.fit)),
    node("td", "num", number(lead.engagement)),
    node("td", "num", node("b", "", number(lead.score))),
    urgencyCell(lead),
    node("td", "", words(lead.lastAction)),
    node("td", "", when(lead.stageAt), lead.updatedAt === lead.stageAt ? "" :
      node("span", "sub", "updated " + when(lead.updatedAt))));
  row.dataset.leadId = lead.leadId;
  row.setAttribute("aria-selected", String(lead.leadId === board.lead));
  row.addEventListener("click", () => { location.hash = lead.leadId; });
  return row;
}

function rulesList(rules) {
  const list = node("ul", "rules");
  for (const [rule, points] of Object.entries(rules || {})) {
    list.append(node("li", "", node("span", "", rule), node("span", "", signed(points))));
  }
  return list;
}

function renderDetail(lead) {
  const detail = document.getElementById("detail");
  if (lead.missing) {
    detail.replaceChildren(node("p", "sub", "Lead " + board.lead + ": " + lead.missing));
    return;
  }
  const profile = lead.profile || {};
  const bant = lead.bant || {};
  const size = profile.companySize && profile.companySize + " people";
  const parts = [
    node("h2", "", leadName(lead)),
    node("span", "sub", joined(lead.email, profile.jobTitle, profile.company, size)),
    node("span", "sub", lead.leadId + " \\u00b7 " + lead.events + " event(s)"),
    node("div", "split",
      node("div", "", "Fit", node("b", "", number(lead.fit))),
      node("div", "", "Engagement", node("b", "", number(lead.engagement))),
      node("div", "", "Total", node("b", "", number(lead.score))),
      node("div", "", "Stage", node("b", "", stageBadge(lead.stage))),
      node("div", "", "Urgency", node("b", "urgency-" + lead.urgency, lead.urgency),
        node("span", "sub", (lead.urgencyReasons || []).join("; ")))),
    node("h3", "", "BANT (" + (bant.known ?? 0) + "/4 known)"),
    node("span", "sub", joined("budget: " + (bant.budget || "?"),
      "authority: " + words(bant.authority || "?"), "need: " + words(bant.need || "?"),
      "timeline: " + (bant.timeline || "?"))),
    node("h3", "", "Transitions"),
  ];
  const transitions = lead.transitions || [];
  if (!transitions.length) parts.push(node("span", "sub", "none yet"));
  for (const t of transitions) {
    parts.push(node("div", "transition", node("span", "sub", when(t.at)),
      stageBadge(t.fromStage), " \\u2192 ", stageBadge(t.toStage), " ", t.cause));
  }
  parts.push(node("h3", "", "Ledger: why each point was given"));
  const ledger = node("table", "", node("thead", "", node("tr", "",
    node("th", "", "When"), node("th", "", "Action"), node("th", "", "Rules"),
    node("th", "num", "Points"))));
  const body = node("tbody", "");
  for (const entry of [...(lead.ledger || [])].reverse()) {
    body.append(node("tr", "",
      node("td", "", when(entry.at), node("span", "sub nowrap", "rules " + entry.rulesVersion)),
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

async function getJson(url) {
  const headers = { accept: "application/json", "x-leadwire-board": "poll" };
  const response = await fetch(url, { headers });
  const body = await response.json();
  if (!response.ok) throw new Error((body.error && body.error.message) || response.status);
  return body;
}

async function refresh() {
  const generation = ++board.generation;  // a newer refresh (filter, click) supersedes this one
  try {
    const query = new URLSearchParams({ limit: "100" });
    if (board.stage) query.set("stage", board.stage);
    const page = await getJson("/leads?" + query);
    const lead = board.lead && await getJson("/leads/" + encodeURIComponent(board.lead))
      .catch((error) => ({ missing: error.message }));
    if (generation !== board.generation) return;
    document.querySelector("#leads tbody").replaceChildren(...page.items.map(leadRow));
    document.getElementById("empty").hidden = page.items.length > 0;
    document.getElementById("more").hidden = !page.next;
    if (lead) renderDetail(lead);
    setStatus("live \\u00b7 " + page.items.length + " lead(s) \\u00b7 updated " +
      new Date().toLocaleTimeString(), false);
  } catch (error) {
    if (generation !== board.generation) return;
    setStatus("cannot reach the local stack (" + error.message + "); retrying", true);
  }
}

let timer = null;
async function poll() {
  clearTimeout(timer);
  await refresh();
  timer = setTimeout(poll, POLL_MS);
}

function selectFromHash() {
  board.lead = decodeURIComponent(location.hash.slice(1)) || null;
  poll();
}

for (const button of document.querySelectorAll("#stages button")) {
  button.setAttribute("aria-pressed", String(button.dataset.stage === board.stage));
  button.addEventListener("click", () => {
    board.stage = button.dataset.stage;
    for (const other of document.querySelectorAll("#stages button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    const url = new URL(location.href);
    if (board.stage) url.searchParams.set("stage", board.stage);
    else url.searchParams.delete("stage");
    history.replaceState(null, "", url);
    poll();
  });
}
window.addEventListener("hashchange", selectFromHash);
selectFromHash();
</script>
</body>
</html>
"""


def content_security_policy(page: str) -> str:
    """Only this page's own inline scripts run (by their hash), and this server's own (the
    snippet, /t.js); it talks to this server only and loads nothing from anywhere else: a
    second line of defence behind text-only rendering."""
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    )
    if re.search(r'<script [^>]*src="/', page):  # this server's own script (the snippet)
        hashes = f"'self' {hashes}"
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


# Sent by the board with each poll, so the terminal does not print a line every 2 s for it.
BOARD_POLL_HEADER = "x-leadwire-board"

# The pages by path, with the headers they are served with.
PAGES: dict[str, tuple[bytes, dict[str, str]]] = {
    path: (
        page.encode(),
        {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": content_security_policy(page),
            "x-content-type-options": "nosniff",
            "cache-control": "no-store",
        },
    )
    for path, page in {"/": FORM_PAGE, "/board": BOARD_PAGE}.items()
}


def form_error_page(message: str) -> tuple[bytes, dict[str, str]]:
    """What a prospect's browser shows when the example form's post is refused: the reason in
    words and a way back, not the API's JSON (which senders other than browsers still get)."""
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Please check the form</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; }}</style>
</head>
<body>
<h1>Please check the form</h1>
<p>We could not take your request: {html.escape(message)}</p>
<p><a href="/">Back to the form</a></p>
</body>
</html>
"""
    headers = {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": content_security_policy(page),
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
    }
    return page.encode(), headers
