/* microdose's service worker: the app opens without a network, and a check-in, dose or
   journal entry saved offline is kept on this device (IndexedDB) and sent when the server
   can be reached again, with the same idempotency key, so it is neither lost nor doubled.

   - Pages (GET): network first; a copy of the daily pages is kept so they open offline.
   - /static/: network first too, the copy kept for offline use.
   - POST /checkin, /doses, /journal that cannot reach the server: queued, and answered
     with a page that says so. The queue is sent in order when a page says it is online
     (app.js, on load and on the "online" event). Each is sent with a fresh CSRF token
     (the form's page is fetched first: the server may have restarted) and the form's own
     idempotency key, also as the Idempotency-Key header.
   Logging out or deleting the journal clears all of it (Clear-Site-Data). */
"use strict";

var VERSION = "microdose-v1";
var SHELL = ["/static/app.css", "/static/app.js", "/static/htmx.min.js",
  "/static/favicon.svg", "/static/icon-192.png", "/offline"];
var PAGES = ["/", "/doses", "/journal", "/checkins", "/calendar"];
var QUEUED = { "/checkin": "/", "/doses": "/doses", "/journal": "/journal" };
var DB = "microdose-outbox";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(VERSION).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== VERSION; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function outbox(mode, work) {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open(DB, 1);
    open.onupgradeneeded = function () {
      open.result.createObjectStore("items", { keyPath: "id", autoIncrement: true });
    };
    open.onerror = function () { reject(open.error); };
    open.onsuccess = function () {
      var tx = open.result.transaction("items", mode);
      var result = work(tx.objectStore("items"));
      tx.oncomplete = function () { resolve(result && result.result); };
      tx.onerror = function () { reject(tx.error); };
    };
  });
}

function queued() {
  return outbox("readonly", function (store) { return store.getAll(); });
}

function page(title, text) {
  var html = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>" + title + " · microdose</title><link rel=\"stylesheet\" href=\"/static/app.css\">" +
    "<script src=\"/static/app.js\" defer></script></head><body><main id=\"main\">" +
    "<h1>" + title + "</h1><div class=\"notice notice-warn\" role=\"status\"><p>" + text +
    "</p></div><p><a href=\"/\">Back to today</a></p></main></body></html>";
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function keep(request, path) {
  return request.clone().text().then(function (body) {
    var key = new URLSearchParams(body).get("idempotency_key") || "";
    return outbox("readwrite", function (store) {
      return store.add({ path: path, body: stamped(path, body), key: key, at: Date.now() });
    });
  }).then(function () {
    return page("Saved on this device",
      "You are offline. This is kept on this device and sent when the connection is back " +
      "(open microdose again then). It is not in your journal until then.");
  });
}

/* a page kept from an earlier visit: marked, so app.js gives its forms a new idempotency
   key and today's date instead of the day it was kept */
function fromCache(path) {
  return caches.match(path).then(function (hit) {
    if (!hit) { return caches.match("/offline"); }
    return hit.text().then(function (html) {
      return new Response(html.replace('<main id="main"', '<main id="main" data-from-cache="yes"'),
        { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

/* what the server would fill in from the moment it receives the form: a queued form gets
   the moment it was saved instead (the device's own clock and day) */
function stamped(path, body) {
  var params = new URLSearchParams(body);
  var now = new Date();
  var pad = function (n) { return String(n).padStart(2, "0"); };
  var day = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  if (path === "/doses" && !params.get("at")) {
    params.set("at", day + "T" + pad(now.getHours()) + ":" + pad(now.getMinutes()));
  } else if (path !== "/doses" && !params.get("date")) {
    params.set("date", day);
  }
  return params.toString();
}

function fresh(body, html) {
  var found = /name="csrf_token" value="([^"]+)"/.exec(html);
  var params = new URLSearchParams(body);
  if (found) { params.set("csrf_token", found[1]); }
  return params.toString();
}

function send(item) {
  return fetch(QUEUED[item.path], { credentials: "same-origin" })
    .then(function (form) { return form.text(); })
    .then(function (html) {
      return fetch(item.path, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": item.key },
        body: fresh(item.body, html)
      });
    })
    .then(function (answer) {
      /* a redirect (303) is the form's success; a refusal (4xx) will not change by
         retrying, so it is dropped and reported; a 5xx stays for the next try */
      var done = answer.type === "opaqueredirect" || answer.ok;
      var refused = !done && answer.status >= 400 && answer.status < 500;
      if (done || refused) {
        return outbox("readwrite", function (store) { store.delete(item.id); })
          .then(function () { return refused ? item.path : null; });
      }
      return null;
    });
}

var flushing = null;

function flush() {
  if (flushing) { return flushing; }
  flushing = queued().then(function (items) {
    var refused = [];
    return items.reduce(function (chain, item) {
      return chain.then(function () { return send(item); })
        .then(function (path) { if (path) { refused.push(path); } });
    }, Promise.resolve()).then(function () { return refused; });
  }).catch(function () { return []; })
    .then(function (refused) {
      flushing = null;
      return queued().then(function (left) { return { left: left.length, refused: refused }; });
    });
  return flushing;
}

self.addEventListener("message", function (event) {
  if (event.data !== "flush" && event.data !== "count") { return; }
  var work = event.data === "flush" ? flush() :
    queued().then(function (left) { return { left: left.length, refused: [] }; });
  event.waitUntil(work.then(function (state) {
    if (event.source) { event.source.postMessage({ outbox: state }); }
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST") {
    if (!(url.pathname in QUEUED)) { return; }
    event.respondWith(fetch(request.clone()).catch(function () {
      return keep(request, url.pathname);
    }));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).then(function (answer) {
      if (answer.ok) {
        var copy = answer.clone();
        caches.open(VERSION).then(function (cache) { cache.put(request, copy); });
      }
      return answer;
    }).catch(function () { return caches.match(request); }));
    return;
  }
  if (PAGES.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(fetch(request).then(function (answer) {
      if (answer.ok) {
        var copy = answer.clone();
        caches.open(VERSION).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return answer;
    }).catch(function () { return fromCache(url.pathname); }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return caches.match("/offline"); }));
  }
});
