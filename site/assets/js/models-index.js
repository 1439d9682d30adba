// Models index: sort by any column, filter by the form above the table.
// Plain DOM, no library; rows carry their raw values as data-* attributes.
// With the reader's hardware (fit-choice.js: api/fit/<setup>.json, or for custom hardware the list
// computed in the browser) a "Memory" column and a "Fits my hardware" filter are added: the memory
// of the best way to run each model there (generator/site/fit.py), and whether it runs.
(function () {
  "use strict";
  var table = document.getElementById("models-table");
  var form = document.getElementById("model-filters");
  if (!table || !form) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var count = document.getElementById("model-count");
  var sortKey = null, sortDir = 1;

  function num(v) { return v === "" || v === undefined ? null : Number(v); }

  function compare(a, b, key, type) {
    var x = a.dataset[key] || "", y = b.dataset[key] || "";
    if (type === "num") {
      var nx = num(x), ny = num(y);
      if (nx === null && ny === null) return 0;
      if (nx === null) return 1;   // unknown values sort last either way
      if (ny === null) return -1;
      return (nx - ny) * sortDir;
    }
    if (x === "" && y !== "") return 1;
    if (y === "" && x !== "") return -1;
    return x.localeCompare(y, undefined, { sensitivity: "base", numeric: true }) * sortDir;
  }

  function sortBy(th) {
    var key = th.dataset.key, type = th.dataset.type;
    sortDir = sortKey === key ? -sortDir : 1;
    sortKey = key;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
    rows.sort(function (a, b) { return compare(a, b, key, type) || a.dataset.id.localeCompare(b.dataset.id); });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function matches(r, f) {
    if (f.organization && r.dataset.organization !== f.organization) return false;
    if (f.arch && r.dataset.arch !== f.arch) return false;
    if (f.license && r.dataset.license !== f.license) return false;
    if (f.open && r.dataset.open !== f.open) return false;
    if (f.modality && (" " + r.dataset.modalities + " ").indexOf(" " + f.modality + " ") < 0) return false;
    if (f.params) {
      var parts = f.params.split(":"), total = num(r.dataset.total);
      if (total === null) return false;
      if (total < Number(parts[0])) return false;
      if (parts[1] !== "" && total >= Number(parts[1])) return false;
    }
    if (f.context) {
      var ctx = num(r.dataset.context);
      if (ctx === null || ctx < Number(f.context)) return false;
    }
    if (f.fits === "runs" && r.dataset.fit !== "yes" && r.dataset.fit !== "offload") return false;
    if (f.fits === "gpu" && r.dataset.fit !== "yes") return false;
    return true;
  }

  function applyFilters() {
    var f = {};
    Array.prototype.forEach.call(form.elements, function (el) { if (el.name) f[el.name] = el.value; });
    var shown = 0;
    rows.forEach(function (r) {
      var ok = matches(r, f);
      r.hidden = !ok;
      if (ok) shown++;
    });
    if (count) count.textContent = shown + " of " + rows.length + " shown";
    if (empty) empty.hidden = shown > 0;
  }

  // No row left: say so, with a button that clears the filters (the hardware and engine stay chosen).
  var empty = document.getElementById("models-empty");
  var clear = document.getElementById("models-clear");
  var KEEP = { setup: true, engine: true };
  if (clear) {
    clear.addEventListener("click", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && !KEEP[el.name] && el.tagName === "SELECT") el.value = "";
      });
      applyFilters();
      var first = form.querySelector("select");
      if (first) first.focus();
    });
  }

  function sortable(th) {
    th.tabIndex = 0;
    th.classList.add("llmc-sortable");
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, sortable);
  form.addEventListener("change", applyFilters);
  applyFilters();

  // -- the reader's hardware: memory column and "fits" filter ---------------------------------
  var Fit = window.LLMCardsFit, F = window.LLMCardsFormat;
  var fitBox = document.getElementById("index-fit");
  var setupSel = document.getElementById("index-setup"), engineSel = document.getElementById("index-engine");
  if (!Fit || !F || !fitBox || !setupSel || !engineSel) return;
  var base = table.dataset.base || "./";
  var memTh = null, list = null;

  function showFit() {
    if (!list) return;
    var engine = engineSel.value, byId = {};
    list.models.forEach(function (m) { byId[m.id] = (m.engines || {})[engine] || { fit: "unavailable" }; });
    if (!memTh) {
      memTh = document.createElement("th");
      memTh.dataset.key = "mem"; memTh.dataset.type = "num";
      table.tHead.rows[0].appendChild(memTh);
      sortable(memTh);
    }
    memTh.textContent = "Memory (" + (Fit.ENGINES[engine] || engine) + ", " + list.setup.label + ")";
    rows.forEach(function (r) {
      var s = byId[r.dataset.id] || { fit: "unavailable" };
      var td = r.querySelector("td.llmc-fit-mem");
      if (!td) { td = document.createElement("td"); td.className = "llmc-fit-mem"; r.appendChild(td); }
      var runs = Fit.runs(s);
      r.dataset.fit = s.fit || "";
      var mem = Fit.memory(s, list);
      r.dataset.mem = runs && mem !== null ? String(mem) : "";
      td.textContent = runs ? F.gb(mem) + " · " + s.quant +
        (s.fit === "offload" ? " (offload)" : "") : (Fit.FIT_TEXT[s.fit] || F.DASH);
    });
    applyFilters();
  }
  var status = document.getElementById("index-fit-status");
  var loading = 0;
  function load(choice) {
    var mine = ++loading;
    fitBox.dataset.state = "loading";
    Fit.listFor(base, fitIndex, choice, function (text) { if (status && mine === loading) status.textContent = text; })
      .then(function (d) {
        if (mine !== loading) return;
        list = d; fitBox.dataset.state = "ready";
        if (status) status.textContent = "";
        showFit();
      }).catch(function (e) {
        if (mine !== loading) return;
        fitBox.dataset.state = "error";
        if (status) status.textContent = "Could not work out what runs on this hardware (" + String(e.message || e) + ").";
      });
  }
  var fitIndex = null, shown = null;
  Fit.index(base).then(function (index) {
    fitIndex = index;
    shown = Fit.current(index);
    Fit.fillSetups(setupSel, index, shown.setup, shown.custom);
    engineSel.value = shown.engine;
    fitBox.hidden = false;
    load(shown);
    setupSel.addEventListener("change", function () { Fit.choose(setupSel, engineSel.value); });
    engineSel.addEventListener("change", function () { Fit.choose(setupSel, engineSel.value); });
    var other = document.getElementById("index-custom");
    if (other && window.LLMCardsHardware && window.LLMCardsHardware.open) {
      other.hidden = false;
      other.addEventListener("click", function () { window.LLMCardsHardware.open(); });
    }
    document.addEventListener(Fit.EVENT, function () {
      var n = Fit.current(index);
      var reload = Fit.key(n) !== Fit.key(shown);
      shown = n;
      Fit.fillSetups(setupSel, index, n.setup, n.custom);
      engineSel.value = n.engine;
      if (reload) load(n); else showFit();
    });
  }).catch(function () { /* no api/fit (a site built without engine plans): no hardware column */ });
})();
