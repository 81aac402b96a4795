/* doorstep: a guide read aloud by the phone's own voices (Web Speech API).
 *
 * A "Listen" button beside the guide's title (the whole guide), on the facts
 * box, on each step and on each warning; they appear only when the device has
 * a local voice for the guide's language (voices arrive with `voiceschanged`),
 * otherwise nothing happens at all. The strings come as data- attributes of
 * this script's own tag (overrides/doorstep/guide.html). Pressing a button
 * reads its part (the whole guide: part after part), highlighted while it is
 * read; pressing it again pauses, then resumes. While reading, a bar at the
 * bottom of the screen offers Pause/Resume and Stop (Escape stops too).
 *
 * Each part is spoken sentence by sentence, one utterance each. Pause cancels
 * the sentence being spoken and Resume says it again: speechSynthesis.pause()
 * does nothing with Linux's speech-dispatcher and Android's engine has no
 * pause of its own, while cancel() works everywhere. The space each button
 * takes is kept free by doorstep.css from the first paint: nothing moves when
 * the buttons appear. See docs/read-aloud.md.
 */
(function () {
  var synth = window.speechSynthesis, Utterance = window.SpeechSynthesisUtterance;
  var script = document.currentScript, guide = document.querySelector(".ds-guide");
  if (!synth || !Utterance || !script || !guide || !guide.lang) return;
  var say = script.dataset, lang = guide.lang, base = primary(lang);
  var pageLang = document.documentElement.lang;
  var WARNINGS = ".admonition.warning,.admonition.caution,.admonition.attention,.admonition.danger,.admonition.error";
  var SKIP = /^(BUTTON|IMG|SVG|PICTURE|VIDEO|AUDIO|CANVAS|SCRIPT|STYLE|TEMPLATE)$/;
  var BLOCK = /^(P|LI|H[1-6]|DIV|SECTION|SUMMARY|DETAILS|UL|OL|DL|DT|DD|TABLE|TR|TH|TD|BLOCKQUOTE|FIGURE|FIGCAPTION|BR)$/;
  var voice = null, buttons = [], whole = null, bar = null, run = null, token = 0, utterance = null;

  function primary(tag) { return tag.toLowerCase().split(/[-_]/)[0]; }

  // The best local voice for the guide's language: none speaking another
  // script (espeak-ng's "fa-Latn" reads Persian written in Latin letters), the
  // exact tag, then the device's default. Network voices send the text away: never.
  function pick() {
    var best = null, score = -1;
    synth.getVoices().forEach(function (v) {
      var parts = (v.lang || "").toLowerCase().split(/[-_]/);
      if (v.localService === false || parts[0] !== base || (parts[1] || "").length === 4) return;
      var s = (v.lang.toLowerCase() === lang.toLowerCase() ? 2 : 0) + (v.default ? 1 : 0);
      if (s > score) { best = v; score = s; }
    });
    return best;
  }

  // What a listener needs of an element: its text, block by block, without
  // buttons, pictures (seen on the screen; a screen reader reads their alt
  // text itself), anything hidden from screen readers (the step's number is
  // said by the caller, in words) or written in another language (an
  // untranslated guide's headings, in the page's language).
  function walk(node, out) {
    for (var n = node.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 3) out.push(n.nodeValue);
      else if (n.nodeType === 1 && !SKIP.test(n.tagName) && !n.hidden && n.getAttribute("aria-hidden") !== "true" &&
               !(n.lang && primary(n.lang) !== base)) {
        var block = BLOCK.test(n.tagName);
        if (block) out.push("\n");
        walk(n, out);
        if (block) out.push("\n");
      }
    }
  }

  // A part's sentences: each block ends with a full stop (a pause in the
  // voice) and long blocks are cut after each sentence.
  function sentences(part) {
    if (part.sentences) return part.sentences;
    var out = [];
    if (part.step) out.push(say.step.replace("{n}", part.step), "\n");
    part.els.forEach(function (el) { out.push("\n"); walk(el, out); out.push("\n"); });
    return (part.sentences = out.join("").split("\n")
      .map(function (s) { s = s.replace(/\s+/g, " ").trim(); return !s || /[.!?…:;؟؛]$/.test(s) ? s : s + "."; })
      .filter(Boolean).join("\n").replace(/([.!?…؟])\s+/g, "$1\n").split("\n"));
  }

  function label(b) {
    var verb = !run || run.owner !== b ? (b === whole ? say.all : say.listen) : run.paused ? say.resume : say.pause;
    return b === whole && (!run || run.owner !== b) ? verb : verb + ": " + b.dsName;
  }

  function render() {
    buttons.forEach(function (b) {
      b.setAttribute("aria-label", label(b));
      b.dataset.state = run && run.owner === b ? (run.paused ? "paused" : "playing") : "";
    });
    if (run) {
      var toggle = bar.firstChild;
      toggle.textContent = run.paused ? say.resume : say.pause;
      toggle.dataset.state = run.paused ? "paused" : "playing";
    }
  }

  function mark(part) {
    if (run.shown === part) return;
    unmark();
    part.els.forEach(function (el) { el.classList.add("ds-reading"); });
    run.shown = part;
    if (run.owner === whole) {
      var still = matchMedia("(prefers-reduced-motion: reduce)").matches;
      part.els[0].scrollIntoView({ block: "nearest", behavior: still ? "auto" : "smooth" });
    }
  }

  function unmark() {
    if (run && run.shown) run.shown.els.forEach(function (el) { el.classList.remove("ds-reading"); });
  }

  // Speak the current sentence; when it ends, the next, part after part.
  function speak() {
    var part = run.parts[run.part];
    if (!part) return stop();
    var list = sentences(part);
    if (run.sentence >= list.length) { run.part++; run.sentence = 0; return speak(); }
    mark(part);
    var u = new Utterance(list[run.sentence]), mine = ++token;
    u.lang = lang;
    u.voice = voice;
    u.onend = function () { if (mine === token) { run.sentence++; speak(); } };
    u.onerror = function () { if (mine === token) stop(); };
    utterance = u; // kept: Chrome forgets the events of an utterance nothing refers to
    synth.speak(u);
  }

  function press(b) {
    if (run && run.owner === b) return run.paused ? resume() : pause();
    stop();
    run = { owner: b, parts: b.dsParts, part: 0, sentence: 0, paused: false, shown: null };
    b.after(bar);
    render();
    speak();
  }

  function pause() {
    if (!run || run.paused) return;
    run.paused = true;
    token++;
    synth.cancel();
    render();
  }

  function resume() {
    if (!run || !run.paused) return;
    run.paused = false;
    render();
    speak();
  }

  function stop() {
    token++;
    if (!run) return;
    synth.cancel();
    unmark();
    var owner = run.owner, focused = bar.contains(document.activeElement);
    run = null;
    bar.remove();
    render();
    if (focused) owner.focus();
  }

  function button(name, parts, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "ds-listen" + (className ? " " + className : "");
    if (pageLang && pageLang !== lang) b.lang = pageLang;
    b.dsName = name;
    b.dsParts = parts;
    b.addEventListener("click", function () { press(b); });
    buttons.push(b);
    return b;
  }

  function text(el) { return el ? el.textContent.replace(/\s+/g, " ").trim() : ""; }

  // The guide's parts in reading order: title and summary, facts, each block
  // before the steps, each step, what follows, and who can help.
  function parts() {
    var list = [], head = null;
    Array.prototype.forEach.call(guide.children, function (el) {
      if (el.matches("h1, .ds-summary")) {
        if (!head) list.push((head = { els: [] }));
        head.els.push(el);
      } else if (el.matches("ol.ds-steps")) {
        Array.prototype.forEach.call(el.children, function (li) {
          var n = li.querySelector(".ds-step__n");
          list.push({ els: [li], step: n ? text(n) : "" });
        });
      } else if (!el.matches("script, button")) list.push({ els: [el] });
    });
    var help = document.querySelector(".ds-help");
    if (help) list.push({ els: [help] });
    return list.filter(function (part) {
      var own = part.els[0].closest("[lang]");
      return (!own || primary(own.lang) === base) && sentences(part).length;
    });
  }

  function build() {
    var list = parts(), find = function (el) { return list.filter(function (p) { return p.els[0] === el; })[0]; };
    bar = document.createElement("div");
    bar.className = "ds-player";
    if (pageLang && pageLang !== lang) bar.lang = pageLang;
    [[say.pause, function () { run && (run.paused ? resume() : pause()); }], [say.stop, stop]].forEach(function (b) {
      var el = document.createElement("button");
      el.type = "button";
      el.textContent = b[0];
      el.addEventListener("click", b[1]);
      bar.appendChild(el);
    });
    bar.lastChild.dataset.state = "stop";
    var h1 = guide.querySelector("h1");
    if (h1 && list.length) h1.after((whole = button(text(h1), list, "ds-listen--all")));
    var facts = guide.querySelector(".ds-facts"), part = facts && find(facts);
    if (part) facts.prepend(button(facts.getAttribute("aria-label") || text(facts.querySelector("h2")), [part]));
    guide.querySelectorAll("li.ds-step").forEach(function (li) {
      var step = find(li), h2 = li.querySelector("h2");
      if (step && h2) h2.after(button(sentences(step).slice(0, 2).join(" "), [step]));
    });
    guide.querySelectorAll(WARNINGS).forEach(function (box) {
      var title = box.querySelector(".admonition-title"), own = { els: [box] };
      if (sentences(own).length) (title || box.firstChild).after(button(text(title) || say.listen, [find(box) || own]));
    });
    render();
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && run) stop(); });
    addEventListener("pagehide", stop);
  }

  function ready() {
    var v = pick();
    if (v) voice = v;
    if (v && !bar) build();
  }

  ready();
  if (synth.addEventListener) synth.addEventListener("voiceschanged", ready);
  else synth.onvoiceschanged = ready;
})();
