// leadwire's first-party snippet, served at GET /t.js (README "The first-party snippet").
// Nothing is stored on the visitor's device and nothing is sent before the site grants
// consent (leadwire("consent", true), or data-consent="granted" on this script's tag, or the
// deployment's default), and never while Do Not Track or Global Privacy Control is on. Then:
// one random anonymous id in this site's own cookie and localStorage, a page view per page
// (url without its query, title, referrer, UTM campaign) by navigator.sendBeacon to /t beside
// this script, and the id in every form's hidden visitor_id input, so the next form
// submission brings the visit history onto the person. No third-party code, no fingerprint.
// Comment lines and indentation are removed when it is served.
(function (w, d) {
  "use strict";
  var nav = w.navigator;
  var tag = d.currentScript || d.querySelector("script[src*='/t.js']");
  var endpoint = new URL("t", (tag && tag.src) || location.href).href;
  var ID = "leadwire_id";
  var CONSENT = "leadwire_consent";
  var blocked = nav.doNotTrack === "1" || w.doNotTrack === "1" || nav.globalPrivacyControl === true;
  var consent = stored(CONSENT) || (tag && tag.getAttribute("data-consent")) || "__LEADWIRE_CONSENT_DEFAULT__";
  var id = null;
  var viewed = false;

  // localStorage can be missing or throw (private modes, blocked storage).
  function stored(key) {
    try { return w.localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try {
      if (value === null) w.localStorage.removeItem(key); else w.localStorage.setItem(key, value);
    } catch (e) {}
  }
  function cookie(value, seconds) {
    d.cookie = ID + "=" + value + "; Path=/; Max-Age=" + seconds + "; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  function valid(value) {
    return value && /^[A-Za-z0-9-]{8,64}$/.test(value) ? value : null;
  }
  function randomId() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function tracking() {
    return !blocked && consent === "granted";
  }
  // The id is made, and kept (400 days, browsers' cookie limit), only while tracking.
  function visitor() {
    var found = d.cookie.match(/(?:^|;\s*)leadwire_id=([A-Za-z0-9-]+)/);
    id = id || valid(found && found[1]) || valid(stored(ID)) || randomId();
    store(ID, id);
    cookie(id, 34560000);
    return id;
  }
  function fillForms() {
    var inputs = d.querySelectorAll("input[name='visitor_id']");
    for (var i = 0; i < inputs.length; i++) inputs[i].value = tracking() ? visitor() : "";
  }
  function send(beacon) {
    if (!tracking()) return;
    beacon.id = randomId();
    beacon.visitorId = visitor();
    var body = JSON.stringify(beacon);
    // A string is sent as text/plain: no CORS preflight, and it survives leaving the page.
    if (nav.sendBeacon && nav.sendBeacon(endpoint, body)) return;
    if (w.fetch) {
      fetch(endpoint, {method: "POST", body: body, keepalive: true, credentials: "omit"}).catch(function () {});
    }
  }
  function withoutQuery(url) {
    try { var u = new URL(url); return u.origin + u.pathname; } catch (e) { return ""; }
  }
  function pageView() {
    if (!tracking()) return;
    viewed = true;
    var query = new URLSearchParams(location.search);
    var utm = {};
    ["source", "medium", "campaign", "term", "content"].forEach(function (key) {
      var value = query.get("utm_" + key);
      if (value) utm[key] = value;
    });
    send({type: "page", url: withoutQuery(location.href), title: d.title,
      referrer: withoutQuery(d.referrer), utm: utm});
  }
  var commands = {
    consent: function (granted) {
      consent = granted ? "granted" : "denied";
      // (Under Do Not Track not even the answer is kept: nothing is stored at all.)
      if (!blocked) store(CONSENT, consent);
      if (!granted) {
        id = null;
        store(ID, null);
        cookie("", 0);
      }
      fillForms();
      if (tracking() && !viewed) pageView();
    },
    // For single-page apps: a page view of the current location.
    page: pageView,
    track: function (name, properties) {
      send({type: "track", event: String(name), properties: properties || {}});
    }
  };
  function leadwire(command) {
    var run = commands[command];
    if (run) run.apply(null, Array.prototype.slice.call(arguments, 1));
  }
  // Calls made before this script loaded (the embed code's stub queues them).
  var queued = (w.leadwire && w.leadwire.q) || [];
  w.leadwire = leadwire;
  for (var i = 0; i < queued.length; i++) leadwire.apply(null, queued[i]);
  fillForms();
  d.addEventListener("submit", fillForms, true);
  if (tracking() && !viewed) pageView();
})(window, document);
