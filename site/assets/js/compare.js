// Compare page: pick 2-4 models; their records are fetched from this site's
// api/models/<org>/<model>.json and laid side by side. No library.
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
  // {id: [total, active, architecture label]} as the model pages show them: declared where
  // given, else derived (generator/site/pages.effective_params, arch_label), written by the build.
  var paramsEl = document.getElementById("compare-params");
  var PARAMS = paramsEl ? JSON.parse(paramsEl.textContent) : {};
  function paramCount(r, i) { return F.params((PARAMS[r.id] || [null, null])[i]); }
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
      tr.appendChild(cell("th", label));
      records.forEach(function (r) { tr.appendChild(cell("td", fn(r))); });
      tbody.appendChild(tr);
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
    syncUrl(ids);
    if (ids.length < 2) { table.hidden = true; hint.hidden = false; return; }
    Promise.all(ids.map(load)).then(render).catch(function (e) {
      hint.hidden = false; hint.textContent = String(e.message || e);
    });
  }
  // preselect from the URL fragment: compare/#meta/llama-3.1-8b,mistralai/mixtral-8x7b
  var pre = decodeURIComponent(window.location.hash.replace(/^#/, "")).split(",").filter(Boolean).slice(0, 4);
  pre.forEach(function (id, i) { var sel = form.elements[i]; if (sel) sel.value = id; });
  form.addEventListener("change", update);
  update();
})();
