// Leaderboard: the reader's hardware (fit-choice.js: api/fit/<setup>.json) adds a memory column to the
// overall tables (the memory of the best way to run each model there, generator/site/fit.py) and a
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

  function load(choice) {
    Fit.list(base, choice.setup).then(function (d) {
      var byId = {};
      d.models.forEach(function (m) { byId[m.id] = m; });
      list = { setup: d.setup, byId: byId, cpu_only: !!d.cpu_only };
      show();
    }).catch(function (e) { if (count) count.textContent = String(e.message || e); });
  }

  Fit.index(base).then(function (index) {
    var c = Fit.current(index);
    Fit.fillSetups(setupSel, index, c.setup);
    engineSel.value = c.engine;
    form.hidden = false;
    load(c);
    function save() { Fit.hardware.set({ setup: setupSel.value, engine: engineSel.value }); }
    setupSel.addEventListener("change", save);
    engineSel.addEventListener("change", save);
    fitsSel.addEventListener("change", show);
    document.addEventListener(Fit.EVENT, function () {
      var n = Fit.current(index);
      var reload = !list || n.setup !== list.setup.id;
      setupSel.value = n.setup; engineSel.value = n.engine;
      if (reload) load(n); else show();
    });
  }).catch(function () { /* no api/fit (a site built without engine plans): no hardware column */ });
})();
