/* doorstep: Material's script (≈ 34 KB gzipped), loaded only when a reader
 * first needs it: when search opens (the magnifier, or the keys / s f).
 *
 * Everything else a reader uses works without it: the drawer and the search
 * box are CSS checkboxes, the language menu opens on focus, links are links.
 * This small script (inlined in every page, at the end of <body>) does the
 * few things Material's script did at load that a reader sees:
 *  - <html class="js">: Material's stylesheet shows the search button then;
 *  - the header shows the page's title once its heading scrolled away;
 *  - the search keys, and no form submission while the script loads.
 * Material's script waits for DOMContentLoaded, long past when it arrives:
 * the listeners it adds for it while it runs are called once it has run.
 * See docs/how-it-works.md ("Material's script, when search opens").
 */
(function () {
  "use strict"
  var root = document.documentElement
  var me = document.currentScript
  root.classList.remove("no-js")
  root.classList.add("js")
  var toggle = document.getElementById("__search")
  var src = me && me.dataset.src
  if (!toggle || !src) return
  var loading = false

  function load() {
    if (loading) return
    loading = true
    var script = document.createElement("script"), late = []
    document.addEventListener = function (type, listener, options) {
      if (type === "DOMContentLoaded" && document.currentScript === script) late.push(listener)
      else EventTarget.prototype.addEventListener.call(this, type, listener, options)
    }
    script.onload = function () {
      delete document.addEventListener
      var event = new Event("DOMContentLoaded")
      late.forEach(function (listener) {
        if (typeof listener === "function") listener.call(document, event)
        else listener.handleEvent(event)
      })
    }
    script.onerror = function () { delete document.addEventListener; loading = false }
    script.src = src
    document.body.appendChild(script)
  }

  function opened() {
    if (!toggle.checked) return
    var query = document.querySelector("[data-md-component=search-query]")
    if (query) query.focus()   /* in the tap itself: a phone shows its keyboard */
    load()
  }
  toggle.addEventListener("change", opened)
  opened()

  /* Material's keys for search, until its script handles them itself. */
  document.addEventListener("keydown", function (e) {
    if (loading || e.metaKey || e.ctrlKey || e.altKey || ["/", "s", "f", "S", "F"].indexOf(e.key) < 0) return
    var at = document.activeElement
    if (at && (at.isContentEditable || /^(input|select|textarea)$/i.test(at.tagName))) return
    e.preventDefault()
    toggle.checked = true
    toggle.dispatchEvent(new Event("change"))   /* as a tap on the magnifier does */
  })
  var form = document.forms.namedItem("search")
  if (form) form.addEventListener("submit", function (e) { e.preventDefault() })   /* Material never submits it either */

  /* The header's title: the page's own once its first heading is scrolled away. */
  var title = document.querySelector("[data-md-component=header-title]")
  var heading = document.querySelector(".md-content h1")
  if (title && heading && window.IntersectionObserver) {
    new IntersectionObserver(function (entries) {
      var entry = entries[entries.length - 1]
      title.classList.toggle("md-header__title--active",
        !entry.isIntersecting && entry.boundingClientRect.top < 0)
    }, { rootMargin: "-48px 0px 0px 0px" }).observe(heading)
  }
})()
