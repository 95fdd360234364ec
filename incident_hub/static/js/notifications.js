// The bell: polls the unread count (GET /api/v1/notifications/unread-count, session cookie) every
// minute while the page is visible, and updates the number and its label. No inline script (CSP).
(function () {
  "use strict";
  var bell = document.getElementById("bell");
  var count = document.getElementById("bell-count");
  if (!bell || !count) { return; }
  var url = bell.getAttribute("data-count-url");
  function show(n) {
    count.textContent = String(n);
    count.classList.toggle("empty", n === 0);
    bell.setAttribute("aria-label", "Notifications: " + n + " unread");
  }
  function poll() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && typeof body.count === "number") { show(body.count); } })
      .catch(function () { /* offline: try again at the next tick */ });
  }
  setInterval(poll, 60000);
  document.addEventListener("visibilitychange", poll);
}());
