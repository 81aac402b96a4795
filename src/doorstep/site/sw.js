/* doorstep's service worker: guides that open again without a connection.
 *
 * The build writes it to the site's root as /sw.js (doorstep.site.offline),
 * minified, with the settings below filled in: the version is a hash of the
 * whole built site, so a new build is a new worker, whose `activate` carries
 * what the reader kept into its own cache and deletes the older caches.
 *
 *   pages (navigations)       network first, the kept copy after 3 s or when
 *                             offline; a page never kept: the offline page of
 *                             its language (<home>offline.html)
 *   Material's hashed files   cache first (their name changes with their content)
 *   anything else of the site network first, then the kept copy
 *   PDFs, range requests, anything of another host, anything but GET: never
 *                             touched, never kept
 *
 * Every kept response is stored under its address without the query (a QR
 * code's ?c=<campaign>) and without a final index.html. A page tells the
 * worker, once loaded, which page it is and what it loaded ({seen, urls});
 * the worker then keeps that, and its language's home page, offline page and
 * list of guides (offline.json) once per version. The home page's "Keep every
 * guide" button sends {keep: <home>}; the offline page asks {list: <home>}.
 * See docs/offline.md.
 */
"use strict"
var D = __DOORSTEP__   /* {version, scope, langs, words}: written by the build */
var CACHE = "doorstep-" + D.version
var WAIT = 3000
var HASHED = /\.[0-9a-f]{8,}\.(?:min\.)?(?:js|css)$/   /* bundle.a5f9d56c.min.js: a new name for new content */
var NEVER = /\.pdf$/i

function key(url) {
  var u = new URL(url, self.location.href)
  return u.origin + u.pathname.replace(/index\.html$/, "")
}

function ours(url) {
  var u = new URL(url, self.location.href)
  return u.origin === self.location.origin && u.pathname.indexOf(D.scope) === 0 && !NEVER.test(u.pathname)
}

/* The home page of the language an address belongs to: <scope><lang>/, or <scope>. */
function home(url) {
  var u = new URL(url, self.location.href)
  var lang = u.pathname.slice(D.scope.length).split("/")[0]
  return u.origin + D.scope + (D.langs.indexOf(lang) >= 0 ? lang + "/" : "")
}

/* The home page, offline page and guide list of each language: fetched again once per version. */
function perLanguage(url) {
  var k = key(url), base = home(k)
  return k === base || k === base + "offline.html" || k === base + "offline.json"
}

function keepable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected
}

function open() { return caches.open(CACHE) }

function store(url, response) {
  return open().then(function (cache) { return cache.put(key(url), response) })
}

function match(url) {
  return open().then(function (cache) { return cache.match(key(url), { ignoreVary: true }) })
}

/* A kept file answers at the address it was asked at: kept without its query
   or #…, its response names that shorter address, and a worker takes its
   location from it (search's worker reads Material's address from its #…).
   A copy without an address (from a Blob: a stream would keep this worker
   busy, and a new version waiting, until the page has read it all). */
function answer(request, response) {
  if (!response || request.mode === "navigate" || response.url === request.url) return response
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  })
}

/* The offline page of the address's language; if it is not kept yet (the
   first page's background work was cut short), a bare one made here, in that
   language (D.words: lang, dir, title, the home link's text; HTML-escaped by
   the build), never the browser's error page. */
function offline(url) {
  var base = home(url)
  return match(base + "offline.html").then(function (page) {
    if (page) return page
    var w = D.words[base.slice(self.location.origin.length + D.scope.length)]
    return new Response("<!doctype html><html lang=\"" + w[0] + "\" dir=\"" + w[1] + "\"><meta charset=\"utf-8\">" +
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" + w[2] + "</title>" +
      "<h1>" + w[2] + "</h1><p><a href=\"" + base + "\">" + w[3] + "</a></p>",
      { headers: { "Content-Type": "text/html; charset=utf-8" } })
  })
}

function networkFirst(event) {
  var request = event.request
  var network = fetch(request)
  event.waitUntil(network.then(function (response) {
    if (keepable(response)) return store(request.url, response.clone())
  }, function () {}))
  return new Promise(function (resolve) {
    var given = false
    function give(response) { if (!given) { given = true; resolve(response) } }
    function kept(otherwise) {
      return match(request.url).then(function (hit) {
        if (hit) give(answer(request, hit))
        else if (otherwise) give(otherwise())
      })
    }
    setTimeout(kept, WAIT)   /* a slow network: the kept copy if there is one, else keep waiting */
    network.then(function (response) {   /* a server error: the kept copy, if there is one */
      if (response.status >= 500) kept(function () { return response })
      else give(response)
    }, function () {
      kept(function () { return request.mode === "navigate" ? offline(request.url) : Response.error() })
    })
  })
}

function cacheFirst(event) {
  return match(event.request.url).then(function (hit) {
    return hit ? answer(event.request, hit) : fetch(event.request).then(function (response) {
      if (keepable(response)) event.waitUntil(store(event.request.url, response.clone()))
      return response
    })
  })
}

/* A new version takes over at once. Chrome can leave it waiting although it
   asked to (seen when the old version was busy, then stopped): it asks again
   for a few seconds after installing, and the running version tells it again
   once it is installed and whenever a page writes to it. */
function skip() {
  var times = 0
  return new Promise(function (done) {
    (function again() {
      self.skipWaiting()
      if (++times < 10) setTimeout(again, 500)
      else done()
    })()
  })
}

self.addEventListener("install", function () { skip() })

function hurry() {
  var next = self.registration.waiting
  if (next) next.postMessage({ skip: 1 })
}
self.registration.addEventListener("updatefound", function () {
  var next = self.registration.installing
  if (next) next.addEventListener("statechange", function () { if (next.state === "installed") hurry() })
})

/* What older versions kept stays kept (a page is refreshed the next time it
   is opened online); then their caches go. */
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    var old = names.filter(function (name) { return name.indexOf("doorstep-") === 0 && name !== CACHE })
    return open().then(function (cache) {
      return old.reduce(function (done, name) {
        return done.then(function () {
          return caches.open(name).then(function (before) {
            return before.keys().then(function (requests) {
              return Promise.all(requests.map(function (request) {
                if (perLanguage(request.url)) return
                return cache.match(request).then(function (hit) {
                  return hit || before.match(request).then(function (response) {
                    return response && cache.put(request, response)
                  })
                })
              }))
            })
          })
        })
      }, Promise.resolve())
    }).then(function () {
      return Promise.all(old.map(function (name) { return caches.delete(name) }))
    })
  }).then(function () { return self.clients.claim() }))
})

self.addEventListener("fetch", function (event) {
  var request = event.request
  if (request.method !== "GET" || request.headers.has("range") || !ours(request.url)) return
  event.respondWith(HASHED.test(new URL(request.url).pathname) ? cacheFirst(event) : networkFirst(event))
})

/* Keep each address that is not kept yet; `fresh`: ask the server again,
   except for a hashed file already kept (its name changes with its content). */
function keepAll(urls, fresh, progress) {
  var queue = urls.filter(ours).map(key).filter(function (url, i, all) { return all.indexOf(url) === i })
  var total = queue.length, done = 0, failed = 0
  return open().then(function (cache) {
    function next() {
      var url = queue.shift()
      if (!url) return
      return (fresh && !HASHED.test(url) ? Promise.resolve() : cache.match(url)).then(function (hit) {
        if (hit) return
        return fetch(url, { cache: fresh ? "no-cache" : "force-cache" }).then(function (response) {
          if (!keepable(response)) throw response.status
          return cache.put(url, response)
        })
      }).catch(function () { failed++ }).then(function () {
        done++
        if (progress) progress({ done: done, total: total, failed: failed })
        return next()
      })
    }
    return Promise.all([next(), next(), next(), next()])
  })
}

function manifest(base, fresh) {
  var url = base + "offline.json"
  return (fresh ? Promise.reject() : match(url)).catch(function () {}).then(function (hit) {
    return hit || fetch(url, { cache: "no-cache" }).then(function (response) {
      if (!keepable(response)) throw response.status
      return store(url, response.clone()).then(function () { return response })
    })
  }).then(function (response) { return response.json() })
}

self.addEventListener("message", function (event) {
  var message = event.data || {}, client = event.source
  function tell(data) { if (client) client.postMessage(data) }
  if (message.skip) return event.waitUntil(skip())
  hurry()
  if (message.seen && ours(message.seen)) {
    var base = home(message.seen)
    event.waitUntil(keepAll([message.seen, base, base + "offline.html", base + "offline.json"]
      .concat(message.urls || []), false))
  }
  if (message.keep && ours(message.keep)) {
    var keep = home(message.keep)
    event.waitUntil(manifest(keep, true).then(function (list) {
      return keepAll(Object.keys(list.pages).concat(list.files), true, tell)
    }).catch(function () { tell({ done: 0, total: 0, failed: 1 }) }))
  }
  if (message.list && ours(message.list)) {
    var listed = home(message.list)
    event.waitUntil(Promise.all([manifest(listed, false), open().then(function (c) { return c.keys() })])
      .then(function (both) {
        var have = {}
        both[1].forEach(function (request) { have[request.url] = true })
        tell({ kept: Object.keys(both[0].pages).filter(function (url) { return have[key(url)] })
          .map(function (url) { return [key(url), both[0].pages[url]] }) })
      }).catch(function () { tell({ kept: [] }) }))
  }
})
