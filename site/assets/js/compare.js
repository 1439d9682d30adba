// Compare page: pick 2-4 models; their records are fetched from this site's
// api/models/<org>/<model>.json and laid side by side. No library.
// With fit-choice.js: rows for the reader's hardware (api/fit/<setup>.json: fit, memory,
// context, speed bound) and the leaderboard rank; rows whose values differ are marked; a
// search field (input + datalist) adds a model by name.
(function () {
  "use strict";
  var form = document.getElementById("compare-form");
  var table = document.getElementById("compare-table");
  var hint = document.getElementById("compare-hint");
  if (!form || !table || !window.LLMCardsFormat) return;
  var base = form.dataset.base || "./";
  var cache = {};
  var F = window.LLMCardsFormat;   // assets/js/format.js: the number rules of generator/site/fmt.py
  var DASH = F.DASH, val = F.value;
  var Fit = window.LLMCardsFit, fitList = null;
  var setupSel = document.getElementById("compare-setup"), engineSel = document.getElementById("compare-engine");
  var differsNote = document.getElementById("compare-differs-note");
  // {id: [total, active, architecture label]} as the model pages show them: declared where
  // given, else derived (generator/site/pages.effective_params, arch_label), written by the build.
  var paramsEl = document.getElementById("compare-params");
  var PARAMS = paramsEl ? JSON.parse(paramsEl.textContent) : {};
  function paramCount(r, i) { return F.params((PARAMS[r.id] || [null, null])[i]); }
  // The smallest common GPU per quantization, written by the build (pages.compare_smallest): rows
  // [[key, label]] and cells {id: {key: text}}, added after the VRAM rows.
  var smallestEl = document.getElementById("compare-smallest");
  var SMALLEST = smallestEl ? JSON.parse(smallestEl.textContent) : { rows: [], cells: {} };
  function get(o, path) {
    return path.split(".").reduce(function (x, k) { return x === null || x === undefined ? null : x[k]; }, o);
  }
  function vramAt(rec, q, ctx) {
    var rows = get(rec, "derived.vram") || [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (r.quantization === q && r.context === ctx && r.batch === 1 && r.kv_dtype === "F16") return r.total_bytes;
    }
    return null;
  }

  // The weights of a VRAM row whose total is unknown (architecture incomplete: no KV cache).
  function weightsOnly(rec, q, ctx) {
    var rows = get(rec, "derived.vram") || [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (r.quantization === q && r.context === ctx && r.batch === 1 && r.kv_dtype === "F16") {
        return (r.total_bytes === null || r.total_bytes === undefined) ? (r.weights_bytes === undefined ? null : r.weights_bytes) : null;
      }
    }
    return null;
  }

  var SPEC_ROWS = [
    ["Organization", function (r) { return val(get(r, "card.organization")); }],
    ["Total parameters", function (r) { return paramCount(r, 0); }],
    ["Active parameters", function (r) { return paramCount(r, 1); }],
    ["Architecture", function (r) { return val((PARAMS[r.id] || [])[2]); }],
    ["Context length", function (r) { return F.tokens(get(r, "card.context_length")); }],
    ["License", function (r) { return val(get(r, "card.license.spdx") || get(r, "card.license.name")); }],
    ["Open weights", function (r) { return val(get(r, "card.open_weights")); }],
    ["Release date", function (r) { return val(get(r, "card.release_date")); }],
    ["Layers", function (r) { return val(get(r, "card.architecture.layers")); }],
    ["Hidden size", function (r) { return val(get(r, "card.architecture.hidden_size")); }],
    ["Attention", function (r) { return val(get(r, "card.architecture.attention.structure")); }],
    ["Attention heads", function (r) { return val(get(r, "card.architecture.attention.heads")); }],
    ["KV heads", function (r) { return val(get(r, "card.architecture.attention.kv_heads")); }],
    ["Experts (active)", function (r) {
      var e = get(r, "card.architecture.experts");
      // no experts block: n/a for a dense model, unknown when the architecture type is not given either
      if (e) return val(e.total) + " (" + val(e.active) + ")";
      return get(r, "card.architecture.type") === "dense" ? F.NA : DASH;
    }]
  ];
  var VRAM_ROWS = [["BF16", 8192], ["Q8_0", 8192], ["Q4_K_M", 8192], ["Q4_K_M", 32768]];

  function cell(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  }
  function render(records) {
    var thead = table.tHead, tbody = table.tBodies[0];
    thead.textContent = ""; tbody.textContent = "";
    var hr = document.createElement("tr");
    hr.appendChild(cell("td", ""));   // the corner: a td, since an empty th names no column (axe empty-table-header)
    records.forEach(function (r) {
      var th = document.createElement("th");
      var a = document.createElement("a");
      a.href = base + r.url; a.textContent = get(r, "card.name");
      th.appendChild(a); hr.appendChild(th);
    });
    thead.appendChild(hr);
    function addRow(label, fn) {
      var tr = document.createElement("tr");
      var th = cell("th", label);
      th.scope = "row";
      tr.appendChild(th);
      records.forEach(function (r) { tr.appendChild(cell("td", fn(r))); });
      tbody.appendChild(tr);
      return tr;
    }
    SPEC_ROWS.forEach(function (s) { addRow(s[0], s[1]); });
    VRAM_ROWS.forEach(function (v) {
      addRow("VRAM " + v[0] + " @ " + F.tokens(v[1]), function (r) {
        var total = vramAt(r, v[0], v[1]);
        if (total !== null) return F.gb(total);
        // No VRAM table (architecture incomplete, KV cache unknown): the weights alone are a
        // lower bound, as the model page's weights-only table says.
        var w = weightsOnly(r, v[0], v[1]);
        return w === null ? F.UNKNOWN : "≥ " + F.gb(w) + " (weights only)";
      });
    });
    SMALLEST.rows.forEach(function (row) {
      addRow(row[1], function (r) { return (SMALLEST.cells[r.id] || {})[row[0]] || DASH; });
    });
    if (fitList) {
      var engine = engineSel.value, label = " (" + (Fit.ENGINES[engine] || engine) + ")";
      var byId = {};
      fitList.models.forEach(function (m) { byId[m.id] = m; });
      function fitOf(r) { var m = byId[r.id]; return (m && (m.engines || {})[engine]) || { fit: "unavailable" }; }
      var hwRow = addRow("Runs on " + fitList.setup.label + label, function (r) {
        var s = fitOf(r);
        return (Fit.fitText(s.fit, fitList) || DASH) + (s.quant ? " · " + s.quant : "") +
          (typeof s.tp === "number" && s.tp > 1 ? " · " + s.tp + " GPUs" : "");
      });
      hwRow.id = "compare-fit-row";
      addRow("Memory there", function (r) { var s = fitOf(r); return F.gb(Fit.memory(s, fitList)); });
      addRow("Context that fits there", function (r) { var s = fitOf(r); return F.fittingContext(s.max_context || null, s.fit === "no" ? false : null); });
      addRow("Decode speed bound there", function (r) { var s = fitOf(r); return F.rate(s.tps === undefined ? null : s.tps); })
        .id = "compare-speed-row";
      addRow("Leaderboard rank", function (r) {
        var m = byId[r.id];
        return Fit.rankText(m ? m.rank : null, fitList.ranked);
      }).id = "compare-rank-row";
    }
    // mark the rows whose values differ (a highlight, and a description for screen readers)
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      var texts = Array.prototype.slice.call(tr.cells, 1).map(function (c) { return c.textContent; });
      var differs = texts.some(function (t) { return t !== texts[0]; });
      tr.classList.toggle("llmc-differs", differs);
      // the row header keeps its text; a screen reader hears the note as its description
      if (differs) { tr.cells[0].setAttribute("aria-describedby", "compare-differs-note"); tr.cells[0].title = "Values differ"; }
    });
    differsNote.hidden = false;
    table.hidden = false;
    hint.hidden = true;
  }
  function load(id) {
    if (!cache[id]) {
      cache[id] = fetch(base + "api/models/" + id + ".json").then(function (resp) {
        if (!resp.ok) throw new Error("cannot load " + id + ": " + resp.status);
        return resp.json();
      });
    }
    return cache[id];
  }
  function chosen() {
    var ids = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.value && ids.indexOf(el.value) < 0) ids.push(el.value);
    });
    return ids;
  }
  function syncUrl(ids) {
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", ids.length ? "#" + ids.join(",") : "#");
    }
  }
  function update() {
    var ids = chosen();
    var picked = Array.prototype.filter.call(form.elements, function (el) { return el.value; }).length;
    var note = document.getElementById("compare-find-note");
    if (note && picked > ids.length) note.textContent = "A model picked twice is compared once.";
    syncUrl(ids);
    if (ids.length < 2) { table.hidden = true; hint.hidden = false; return; }
    Promise.all(ids.map(load)).then(render).catch(function (e) {
      hint.hidden = false; hint.textContent = String(e.message || e);
    });
  }
  // preselect from the URL fragment: compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b
  var pre = decodeURIComponent(window.location.hash.replace(/^#/, "")).split(",").filter(Boolean).slice(0, 4);
  var ids = Array.prototype.map.call(form.elements[0].options, function (o) { return o.value; });
  var unknown = pre.filter(function (id) { return ids.indexOf(id) < 0; });
  pre.filter(function (id) { return ids.indexOf(id) >= 0; }).forEach(function (id, i) {
    var sel = form.elements[i]; if (sel) sel.value = id;
  });
  form.addEventListener("change", update);

  // -- search: a datalist of "Name (Organization)" from the pickers' options -------------------
  var find = document.getElementById("compare-find"), search = document.getElementById("compare-search");
  var note = document.getElementById("compare-find-note"), datalist = document.getElementById("compare-models");
  var byText = {};
  Array.prototype.forEach.call(form.elements[0].options, function (o) {
    if (!o.value) return;
    byText[o.textContent.toLowerCase()] = o.value;
    byText[o.value.toLowerCase()] = o.value;
    var opt = document.createElement("option");
    opt.value = o.textContent;
    datalist.appendChild(opt);
  });
  function add() {
    var text = search.value.trim().toLowerCase();
    if (!text) return;
    var id = byText[text];
    if (!id) {    // a unique partial match
      var hits = Object.keys(byText).filter(function (k) { return k.indexOf(text) >= 0; })
        .map(function (k) { return byText[k]; }).filter(function (v, i, a) { return a.indexOf(v) === i; });
      if (hits.length === 1) id = hits[0];
      else { note.textContent = hits.length ? hits.length + " models match; type more of the name." : "No model matches."; return; }
    }
    var chosenIds = chosen();
    if (chosenIds.indexOf(id) >= 0) { note.textContent = "Already compared."; return; }
    var free = Array.prototype.filter.call(form.elements, function (el) { return !el.value; })[0];
    if (!free) { note.textContent = "Four models at most: set one picker to none first."; return; }
    free.value = id;
    search.value = "";
    note.textContent = "Added.";
    update();
  }
  if (find && search && datalist) {
    find.hidden = false;
    document.getElementById("compare-add").addEventListener("click", add);
    search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); add(); } });
    search.addEventListener("change", function () { if (byText[search.value.trim().toLowerCase()]) add(); });
  }
  if (unknown.length) {
    hint.hidden = false;
    hint.textContent = "Unknown model id in the address: " + unknown.join(", ") + ".";
  }

  // -- the reader's hardware ------------------------------------------------------------------
  var hw = document.getElementById("compare-hw");
  if (Fit && hw && setupSel && engineSel) {
    Fit.index(base).then(function (index) {
      var c = Fit.current(index);
      Fit.fillSetups(setupSel, index, c.setup, c.custom);
      engineSel.value = c.engine;
      hw.hidden = false;
      // a common setup's list from the build, or custom hardware's computed in the browser (fit-choice.js)
      var loading = 0;
      function loadFit(choice) {
        var mine = ++loading;
        hw.dataset.state = "loading";
        return Fit.listFor(base, index, choice, function (text) { if (mine === loading) hw.dataset.status = text; })
          .then(function (d) { if (mine === loading) { fitList = d; hw.dataset.state = "ready"; update(); } },
                function () { if (mine === loading) { hw.dataset.state = "error"; update(); } });
      }
      function save() { Fit.choose(setupSel, engineSel.value); }
      setupSel.addEventListener("change", save);
      engineSel.addEventListener("change", save);
      document.addEventListener(Fit.EVENT, function () {
        var n = Fit.current(index), reload = Fit.key(n) !== Fit.key(c);
        c = n;
        Fit.fillSetups(setupSel, index, n.setup, n.custom);
        engineSel.value = n.engine;
        if (!fitList || reload) loadFit(n); else update();
      });
      return loadFit(c);
    }).catch(function () { update(); });
  }
  if (!unknown.length || chosen().length >= 2) update();
})();
