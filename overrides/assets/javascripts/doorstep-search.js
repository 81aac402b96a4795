/* doorstep search, page side: Material's own search, made lazy and per-language.
 *
 * Loaded (synchronously) just before Material's bundle, which at load would
 * GET <base>/search/search_index.json (XMLHttpRequest) and start
 * `new Worker(config.search)`. Here:
 *  1. the index request goes to this language's own index (data-index) and is
 *     only sent once the reader opens search (the #__search toggle);
 *  2. the worker is only started then too (a stand-in queues the messages),
 *     and it is started through workers/doorstep-search.js (data-worker), which
 *     folds diacritics and letter variants inside the worker, then runs
 *     Material's worker unchanged.
 * Nothing else of Material changes. See docs/how-it-works.md ("Search").
 */
(function () {
  "use strict"
  var toggle = document.getElementById("__search")
  var script = document.currentScript
  if (!toggle || !script || !script.dataset.index || !window.Worker) return
  try { new EventTarget() } catch (e) { return }   /* very old browser: stock search */
  var INDEX = new URL(script.dataset.index, location.href).href
  var FOLDER = new URL(script.dataset.worker, location.href).href

  /* Resolves the first time the reader opens search. */
  var opened = new Promise(function (resolve) {
    function check() { if (toggle.checked) resolve() }
    toggle.addEventListener("change", check)
    check()
  })

  /* 1. Redirect and hold back Material's index request. */
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

  /* 2. A stand-in for Material's search worker, started on first open. */
  var RealWorker = window.Worker
  window.Worker = function (url, options) {
    if (!/\/workers\/search\.[^/]*\.js$/.test(url)) return new RealWorker(url, options)
    var proxy = new EventTarget(), worker = null, queue = []
    proxy.postMessage = function (message) {
      if (worker) worker.postMessage(message)
      else queue.push(message)
    }
    proxy.terminate = function () { if (worker) worker.terminate() }
    opened.then(function () {
      var material = new URL(url, location.href).href
      worker = new RealWorker(FOLDER + "#" + encodeURIComponent(material), options)
      worker.addEventListener("message", function (ev) {
        proxy.dispatchEvent(new MessageEvent("message", { data: ev.data }))
      })
      queue.forEach(function (message) { worker.postMessage(message) })
    })
    return proxy
  }
})()
