/* doorstep search, worker side: folding, then Material's worker unchanged.
 *
 * Started by ../doorstep-search.js with Material's worker URL after "#".
 * Material's worker gets {type, data} messages: 0 SETUP {config, docs},
 * 2 QUERY "<typed text>"; it answers 1 READY and 3 RESULT {items}.
 * fold() below is the ONE folding function: it fills the folded twin fields
 * the index declares (f_title = fold(title)…, with much smaller boosts, so an
 * exact accented match ranks first) and folds the query, keeping the words as
 * typed where folding changed them.
 */
"use strict"

/* Case, Vietnamese diacritics and đ, Arabic/Persian letter variants, tatweel,
   harakat, ZWNJ/ZWJ/direction marks, and Arabic/Persian digits. */
var LETTERS = { "đ": "d", "ى": "ي", "ی": "ي", "ک": "ك", "ة": "ه", "ە": "ه" }
function fold(s) {
  return s.toLowerCase().normalize("NFD")   /* NFD: ế = e + marks, أ = ا + hamza */
    .replace(/[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f]/g, "")
    .replace(/[đىیکةە]/g, function (c) { return LETTERS[c] })
    .replace(/[\u0660-\u0669\u06f0-\u06f9]/g, function (c) { return String(c.charCodeAt(0) & 0xf) })
}

function toMaterial(message) {
  if (message.type === 0) {                      /* SETUP: fill the folded twins */
    var twins = Object.keys(message.data.config.fields).filter(function (name) {
      return name.indexOf("f_") === 0
    })
    message.data.docs.forEach(function (doc) {
      twins.forEach(function (twin) {
        var value = doc[twin.slice(2)]
        if (typeof value === "string") doc[twin] = fold(value)
      })
    })
  } else if (message.type === 2) {               /* QUERY: folded, plus the words as typed */
    var query = message.data.normalize("NFC")
    var typed = query.replace(/[+\-*~^:"]/g, " ").split(/\s+/).filter(function (word) {
      return word && fold(word) !== word.toLowerCase()
    })
    message = { type: 2, data: [fold(query)].concat(typed).join(" ") }
  }
  return message
}

function fromMaterial(message) {
  if (message && message.type === 3)            /* RESULT: a word as typed and its */
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

var listen = self.addEventListener.bind(self), post = self.postMessage.bind(self)
self.addEventListener = function (type, handler, options) {
  if (type !== "message") return listen(type, handler, options)
  listen(type, function (ev) { handler.call(self, { data: toMaterial(ev.data) }) }, options)
}
self.postMessage = function (message, transfer) { post(fromMaterial(message), transfer) }
self.doorstepFold = fold
importScripts(decodeURIComponent(location.hash.slice(1)))
