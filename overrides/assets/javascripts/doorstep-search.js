/* doorstep search: Material's own search, made lazy, per-language and forgiving.
 *
 * Loaded (synchronously) just before Material's bundle. At load the bundle
 * (Material 9.x) would XHR-GET <base>/search/search_index.json and run
 * `new Worker(config.search)`; the worker then gets {type, data} messages:
 * 0 SETUP {config, docs, options}, 2 QUERY "<raw input>"; it answers
 * 1 READY, 3 RESULT {items}. We change three things, nothing else:
 *  1. the index request goes to this language's file (data-index) and is only
 *     sent once the reader opens search (the #__search toggle);
 *  2. the worker is only started then too (a stand-in queues messages);
 *  3. fold() below, the ONE folding function, fills the folded twin fields the
 *     index declares (f_title = fold(title)...; their small boosts, set in the
 *     index's config, make exact matches rank first) and folds the query
 *     (QUERY), keeping the words as typed when folding changed them.
 */
(function () {
  "use strict"
  var toggle = document.getElementById("__search")
  var script = document.currentScript
  if (!toggle || !script || !script.dataset.index || !window.Worker) return
  try { new EventTarget() } catch (e) { return }   /* very old browser: stock search */
  var INDEX = new URL(script.dataset.index, location.href).href

  /* Fold case, Vietnamese diacritics and đ, Arabic/Persian letter variants,
     tatweel, harakat, ZWNJ/ZWJ/direction marks, and Arabic/Persian digits. */
  var LETTERS = { "đ": "d", "ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه", "ە": "ه" }
  function fold(s) {
    return s.toLowerCase().normalize("NFD")   /* NFD: ế = e + marks, أ = ا + hamza */
      .replace(/[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f]/g, "")
      .replace(/[đىیکةە]/g, function (c) { return LETTERS[c] })
      .replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) { return c.charCodeAt(0) & 0xf })
  }
  window.doorstepFold = fold   /* for tests */

  /* Resolves the first time the reader opens search. */
  var opened = new Promise(function (resolve) {
    function check() { if (toggle.checked) resolve() }
    toggle.addEventListener("change", check)
    check()
  })

  /* 1. Redirect and defer Material's index request (it uses XMLHttpRequest). */
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send
  var deferred = new WeakSet()
  XMLHttpRequest.prototype.open = function (method, url) {
    var args = Array.prototype.slice.call(arguments)
    if (/\/search\/search_index\.json$/.test(new URL(url, location.href).pathname)) {
      args[1] = INDEX
      deferred.add(this)
    }
    return open.apply(this, args)
  }
  XMLHttpRequest.prototype.send = function () {
    var xhr = this, args = arguments
    if (!deferred.has(xhr)) return send.apply(xhr, args)
    opened.then(function () { if (xhr.readyState === 1) send.apply(xhr, args) })
  }

  /* 3. Messages to and from Material's worker. */
  function toWorker(message) {
    if (message.type === 0) {                      /* SETUP: fill the folded twins */
      var twins = Object.keys(message.data.config.fields).filter(function (name) {
        return name.indexOf("f_") === 0            /* f_title = fold(title), ... */
      })
      message.data.docs.forEach(function (doc) {
        twins.forEach(function (twin) {
          var value = doc[twin.slice(2)]
          if (typeof value === "string") doc[twin] = fold(value)
        })
      })
    } else if (message.type === 2) {               /* QUERY */
      var query = message.data.normalize("NFC")
      var typed = query.replace(/[+\-*~^:"]/g, " ").split(/\s+/).filter(function (word) {
        return word && fold(word) !== word.toLowerCase()
      })
      message = { type: 2, data: [fold(query)].concat(typed).join(" ") }
    }
    return message
  }
  function fromWorker(message) {
    if (message.type === 3)                        /* RESULT: a word as typed and its */
      message.data.items.forEach(function (group) { /* folded form are one term, not "missing" */
        group.forEach(function (item) {
          for (var term in item.terms) {
            var folded = fold(term)
            if (folded !== term && folded in item.terms) {
              item.terms[term] = item.terms[term] || item.terms[folded]
              delete item.terms[folded]
            }
          }
        })
      })
    return message
  }

  /* 2. A stand-in for Material's search worker, started on first open. */
  var RealWorker = window.Worker
  window.Worker = function (url, options) {
    if (!/\/workers\/search\.[^/]*\.js$/.test(url)) return new RealWorker(url, options)
    var proxy = new EventTarget(), worker = null, queue = []
    proxy.postMessage = function (message) {
      message = toWorker(message)
      if (worker) worker.postMessage(message)
      else queue.push(message)
    }
    proxy.terminate = function () { if (worker) worker.terminate() }
    opened.then(function () {
      worker = new RealWorker(url, options)
      worker.addEventListener("message", function (ev) {
        proxy.dispatchEvent(new MessageEvent("message", { data: fromWorker(ev.data) }))
      })
      queue.forEach(function (message) { worker.postMessage(message) })
    })
    return proxy
  }
})()
