// Leaderboard: the reader's hardware (fit-choice.js: api/fit/<setup>.json, or for custom hardware the
// list it computes in the browser with fit-rule.js, as "What can I run?" does) adds a memory column to
// the overall tables (the memory of the best way to run each model there, generator/site/fit.py) and a
// "Fits my hardware" filter over every table of the board. Ranks are not recomputed: a filtered table
// keeps each model's rank on the whole board. Without the fit lists the form stays hidden.
(function () {
  "use strict";
  var form = document.getElementById("board-fit");
  var Fit = window.LLMCardsFit, F = window.LLMCardsFormat;
  if (!form || !Fit || !F) return;
  var setupSel = document.getElementById("board-setup"), engineSel = document.getElementById("board-engine");
  var fitsSel = document.getElementById("board-fits"), count = document.getElementById("board-count");
  var base = form.dataset.base || "./";
  // tables with one row per model; the memory column goes into those with a size column
  var tables = Array.prototype.slice.call(document.querySelectorAll("table.llmc-board"))
    .filter(function (t) { return t.tBodies[0] && t.tBodies[0].querySelector("tr[data-id]"); });
  var withMemory = ["board-overall", "board-unranked"];
  var list = null;

  function state(id) {
    var engine = engineSel.value;
    var m = list && list.byId[id];
    return (m && (m.engines || {})[engine]) || { fit: "unavailable" };
  }

  function keep(s) {
    if (fitsSel.value === "runs") return Fit.runs(s);
    if (fitsSel.value === "gpu") return s.fit === "yes";
    return true;
  }

  function show() {
    if (!list) return;
    var engine = engineSel.value, shown = 0, all = 0;
    tables.forEach(function (t) {
      var head = t.tHead.rows[0], th = head.querySelector("th.llmc-fit-mem");
      if (withMemory.indexOf(t.id) >= 0) {
        if (!th) { th = document.createElement("th"); th.className = "llmc-fit-mem"; head.appendChild(th); }
        th.textContent = "Memory (" + (Fit.ENGINES[engine] || engine) + ", " + list.setup.label + ")";
      }
      Array.prototype.forEach.call(t.tBodies[0].rows, function (r) {
        var s = state(r.dataset.id), runs = Fit.runs(s);
        r.dataset.fit = s.fit || "";
        if (th) {
          var td = r.querySelector("td.llmc-fit-mem");
          if (!td) { td = document.createElement("td"); td.className = "llmc-fit-mem"; r.appendChild(td); }
          td.textContent = runs ? F.gb(Fit.memory(s, list)) + " · " + s.quant +
            (s.fit === "offload" ? " (offload)" : "") : (Fit.FIT_TEXT[s.fit] || F.DASH);
        }
        r.hidden = !keep(s);
        if (t.id === "board-overall" || t.id === "board-unranked") { all++; if (!r.hidden) shown++; }
      });
    });
    if (count) count.textContent = fitsSel.value ? shown + " of " + all + " models shown" : "";
  }

  var loading = 0;
  function load(choice) {
    var mine = ++loading;
    form.dataset.state = "loading";
    Fit.listFor(base, index, choice, function (text) { if (count && mine === loading) count.textContent = text; }).then(function (d) {
      if (mine !== loading) return;    // the reader chose other hardware meanwhile
      var byId = {};
      d.models.forEach(function (m) { byId[m.id] = m; });
      list = { setup: d.setup, byId: byId, cpu_only: !!d.cpu_only };
      form.dataset.state = "ready";
      if (count) count.textContent = "";
      show();
    }).catch(function (e) {
      if (mine !== loading) return;
      form.dataset.state = "error";
      if (count) count.textContent = "Could not work out what runs on this hardware (" + String(e.message || e) + ").";
    });
  }

  var index = null, shown = null;
  // The page's select and engine for a choice: a common setup, or the reader's custom one first.
  function showChoice(c) {
    Fit.fillSetups(setupSel, index, c.setup, c.custom);
    engineSel.value = c.engine;
  }
  Fit.index(base).then(function (i) {
    index = i;
    shown = Fit.current(index);
    showChoice(shown);
    form.hidden = false;
    load(shown);
    // a common setup picked here, or the custom choice kept (with the engine picked)
    function save() { Fit.choose(setupSel, engineSel.value); }
    setupSel.addEventListener("change", save);
    engineSel.addEventListener("change", save);
    fitsSel.addEventListener("change", show);
    // the reader chose other hardware (here, in the header or in another tab)
    document.addEventListener(Fit.EVENT, function () {
      var n = Fit.current(index);
      var reload = !list || Fit.key(n) !== Fit.key(shown);   // other hardware, or no list yet (one failed)
      shown = n;
      showChoice(n);
      if (reload) load(n); else show();
    });
  }).catch(function () { /* no api/fit (a site built without engine plans): no hardware column */ });
})();
