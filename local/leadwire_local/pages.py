"""Pages the local server serves itself (never deployed): plain HTML and a little JS."""

from __future__ import annotations

# An example of the form a marketing site has. A browser cannot sign a webhook, so it posts to
# the unsigned `html` provider; `redirect` brings the visitor back here (REDIRECT_ORIGINS lists
# this server's origin). Every value is set as text, never as markup.
FORM_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Request a demo - leadwire example form</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
  label { display: block; margin-top: 0.8rem; }
  input, select, textarea { width: 100%; padding: 0.4rem; box-sizing: border-box; }
  button { margin-top: 1rem; padding: 0.5rem 1.2rem; }
  #thanks { background: #e6f4ea; padding: 0.6rem; border-radius: 4px; }
</style>
</head>
<body>
<h1>Request a demo</h1>
<p id="thanks" hidden>Thanks! Your request was received.</p>
<form method="post" action="/webhooks/forms/html">
  <input type="hidden" name="form" value="demo-request">
  <input type="hidden" name="redirect" id="redirect" value="">
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
  if (new URLSearchParams(location.search).get("thanks") === "1") {
    document.getElementById("thanks").hidden = false;
  }
</script>
</body>
</html>
"""
