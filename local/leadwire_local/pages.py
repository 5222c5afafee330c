"""Pages the local server serves itself: the example form (never deployed) and the sales
board (the deployed one, without its login)."""

from __future__ import annotations

import base64
import hashlib
import html
import re

from leadwire.shell.board import BOARD_POLL_HEADER, board_page

__all__ = ["BOARD_POLL_HEADER", "PAGES", "form_error_page"]

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
<p><a href="/board">Sales board</a> (watch this form's lead get scored)</p>
<div id="consent" role="region" aria-label="Analytics consent" hidden>
  This example site counts your page views with leadwire's first-party snippet (no third
  party, no fingerprint; never with Do Not Track or Global Privacy Control on), so that a demo
  request shows the pages you read first.
  <div><button type="button" id="consent-allow">Allow analytics</button><button type="button"
    id="consent-deny">No thanks</button></div>
</div>
<h1>Request a demo</h1>
<p id="thanks" hidden>Thanks! Your request was received. See it on the
  <a href="/board">sales board</a>.</p>
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
    for path, page in {"/": FORM_PAGE}.items()
}
# The sales board: the very page the leads function serves deployed, here without a login.
PAGES["/board"] = board_page(None)


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
