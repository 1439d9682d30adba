// "What can I run?": lists every model that runs on the reader's hardware from
// api/fit/<setup>.json (generator/site/exports.write_fit), or, for custom hardware, from the list
// fit-choice.js computes in the browser (fit-rule.js), sorted and filtered in the browser.
// The rows repeat generator/site/whatrun.row (the build's list for the default setup) with the
// shared format rules (format.js). The hardware choice and the lists come from fit-choice.js.
(function () {
  "use strict";
  var table = document.getElementById("whatrun-table");
  var form = document.getElementById("whatrun-form");
  var F = window.LLMCardsFormat, Fit = window.LLMCardsFit;
  if (!table || !form || !F || !Fit) return;
  var tbody = document.getElementById("whatrun-rows");
  var count = document.getElementById("whatrun-count");
  var setupSel = document.getElementById("whatrun-setup");
  var engineSel = document.getElementById("whatrun-engine");
  var setups = JSON.parse(document.getElementById("whatrun-setups").textContent || "[]");
  var base = table.dataset.base;
  var ENGINES = Fit.ENGINES, Hardware = Fit.hardware, rankText = Fit.rankText;
  var data = null, sortKey = "rank", sortDir = 1;
  var index = { setups: setups, default: table.dataset.default, engine: engineSel.value };
  function known(id) { return id === Fit.CUSTOM || setups.some(function (s) { return s.id === id; }); }

  // One model's display values for the chosen engine (whatrun.row in Python).
  function rowView(m, engine, ranked) {
    var s = (m.engines || {})[engine] || { fit: "unavailable" };
    return {
      id: m.id, name: m.name, organization: m.organization || "", total: m.total,
      fit: s.fit, fitText: Fit.fitText(s.fit, data) || F.DASH,
      quant: s.quant || F.DASH, tpText: (typeof s.tp === "number" && s.tp > 1) ? s.tp + " GPUs" : "",
      contextText: F.fittingContext(s.max_context || null, s.fit === "no" ? false : null),   // whatrun.row
      memoryText: F.gb(Fit.memory(s, data)), tps: s.tps === undefined ? null : s.tps,
      speedText: F.rate(s.tps === undefined ? null : s.tps), rank: m.rank, rankText: rankText(m.rank, ranked),
      released: m.release_date || "", license: m.license || "", open: m.open_weights ? "yes" : "no",
      modalities: m.modalities || []
    };
  }

  var LABELS = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent.trim(); });
  function cell(tr, text, tag) {
    var c = document.createElement(tag || "td");
    c.textContent = text;
    c.dataset.label = LABELS[tr.cells.length] || "";
    tr.appendChild(c);
    return c;
  }

  function render(rows) {
    tbody.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.id = r.id;
      var th = document.createElement("th");
      th.scope = "row";
      var a = document.createElement("a");
      a.href = base + "models/" + r.id + "/";
      a.textContent = r.name;
      th.appendChild(a);
      th.appendChild(document.createElement("br"));
      var small = document.createElement("small");
      small.textContent = r.organization;
      th.appendChild(small);
      tr.appendChild(th);
      cell(tr, F.params(r.total === undefined ? null : r.total));
      cell(tr, r.fitText).dataset.fit = r.fit || "";
      cell(tr, r.quant + (r.tpText ? " · " + r.tpText : ""));
      cell(tr, r.contextText);
      cell(tr, r.memoryText);
      cell(tr, r.speedText);
      cell(tr, r.rankText);
      cell(tr, r.released);
      tbody.appendChild(tr);
    });
  }

  function num(v) { return v === null || v === undefined ? null : Number(v); }
  function compare(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (sortKey === "name" || sortKey === "released") {
      x = x || ""; y = y || "";
      if (x === "" && y !== "") return 1;
      if (y === "" && x !== "") return -1;
      return x.localeCompare(y, undefined, { sensitivity: "base", numeric: true }) * sortDir;
    }
    x = num(x); y = num(y);
    if (x === null && y === null) return 0;
    if (x === null) return 1;       // unknown values sort last either way
    if (y === null) return -1;
    return (x - y) * sortDir;
  }
  // The build's first order (whatrun.sort_key): by rank, then the unranked by size, largest first.
  function firstOrder(a, b) {
    var ra = num(a.rank), rb = num(b.rank);
    if ((ra === null) !== (rb === null)) return ra === null ? 1 : -1;
    if (ra !== null && ra !== rb) return ra - rb;
    var d = (num(b.total) || 0) - (num(a.total) || 0);
    return d || a.name.toLowerCase().localeCompare(b.name.toLowerCase());
  }

  function filters() {
    var f = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name) f[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    return f;
  }
  function matches(r, f) {
    if (!f.all && r.fit !== "yes" && r.fit !== "offload") return false;
    if (f.organization && r.organization !== f.organization) return false;
    if (f.license && r.license !== f.license) return false;
    if (f.open && r.open !== f.open) return false;
    if (f.modality && r.modalities.indexOf(f.modality) < 0) return false;
    return true;
  }

  function update() {
    if (!data) return;
    var f = filters(), engine = engineSel.value;
    var all = data.models.map(function (m) { return rowView(m, engine, data.ranked); });
    var running = all.filter(function (r) { return r.fit === "yes" || r.fit === "offload"; }).length;
    var rows = all.filter(function (r) { return matches(r, f); });
    rows.sort(function (a, b) {
      return (sortKey === "rank" && sortDir === 1 ? firstOrder(a, b) : compare(a, b)) || a.id.localeCompare(b.id);
    });
    render(rows);
    var unsupported = all.length && all.every(function (r) { return r.fit === "unsupported"; });
    count.textContent = unsupported ? (ENGINES[engine] || engine) + " does not run on this hardware: choose another engine."
      : running + " of " + all.length + " models run on this setup; " + rows.length + " listed.";
    document.getElementById("whatrun-setup-label").textContent = data.setup.label;
    document.getElementById("whatrun-engine-label").textContent = ENGINES[engine] || engine;
  }

  var loading = 0;
  function load(choice) {
    var mine = ++loading;
    table.setAttribute("aria-busy", "true");
    form.dataset.state = "loading";
    return Fit.listFor(base, index, choice, function (text) { if (mine === loading) count.textContent = text; }).then(function (d) {
      if (mine !== loading) return;    // the reader chose other hardware meanwhile
      data = d;
      table.removeAttribute("aria-busy");
      form.dataset.state = "ready";
      if (d.computed_ms !== undefined) table.dataset.computedMs = String(Math.round(d.computed_ms));
      update();
    }).catch(function (e) {
      if (mine !== loading) return;
      table.removeAttribute("aria-busy");
      form.dataset.state = "error";
      count.textContent = "Could not work out the list for this hardware (" + e.message + ").";
    });
  }

  // The page's select as the reader's choice (a common setup, or the custom one kept).
  function choose() {
    Fit.choose(setupSel, engineSel.value);
    return Fit.current(index);
  }

  // sort buttons in the headers
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var key = th.dataset.key;
      sortDir = sortKey === key ? -sortDir : 1;
      sortKey = key;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
      update();
    });
  });

  form.hidden = false;
  var shown = Fit.current(index);
  function showChoice(c) {
    Fit.fillSetups(setupSel, index, c.setup, c.custom);
    engineSel.value = c.engine;
  }
  showChoice(shown);
  setupSel.addEventListener("change", function () { shown = choose(); load(shown); });
  engineSel.addEventListener("change", function () { shown = choose(); update(); });
  form.addEventListener("change", function (e) {
    if (e.target !== setupSel && e.target !== engineSel) update();
  });
  var other = document.getElementById("whatrun-custom");
  if (other && window.LLMCardsHardware && window.LLMCardsHardware.open) {
    other.hidden = false;
    other.addEventListener("click", function () { window.LLMCardsHardware.open(); });
  }
  // the reader chose other hardware (here, in the header or in another tab)
  document.addEventListener(Fit.EVENT, function () {
    var c = Fit.current(index);
    var reload = Fit.key(c) !== Fit.key(shown);
    shown = c;
    showChoice(c);
    if (reload) load(c); else update();
  });
  load(shown);
})();
