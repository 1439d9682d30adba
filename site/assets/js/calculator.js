// Live VRAM calculator on model pages. The numbers come from window.LLMCardsVRAM
// (assets/js/vram.js, the browser mirror of generator/calc) applied to the
// coefficients embedded in the page as JSON (#llmc-calc-data).
(function () {
  "use strict";
  var form = document.getElementById("llmc-calc");
  var dataEl = document.getElementById("llmc-calc-data");
  if (!form || !dataEl || !window.LLMCardsVRAM) return;
  var calc = JSON.parse(dataEl.textContent);
  var q = document.getElementById("calc-quantization");
  var kv = document.getElementById("calc-kv");
  var ctx = document.getElementById("calc-context");
  var ctxOut = document.getElementById("calc-context-value");
  var batch = document.getElementById("calc-batch");
  var total = document.getElementById("calc-total");
  var parts = document.getElementById("calc-parts").tBodies[0];
  var TIERS = [[24e9, "24 GB"], [48e9, "48 GB"], [80e9, "80 GB"]];

  function option(sel, value) {
    var o = document.createElement("option");
    o.value = value; o.textContent = value;
    sel.appendChild(o);
  }
  Object.keys(calc.weights_bytes).forEach(function (k) {
    if (calc.weights_bytes[k] !== null) option(q, k);
  });
  Object.keys(calc.kv_dtypes).forEach(function (k) { option(kv, k); });
  if (calc.weights_bytes.Q4_K_M) q.value = "Q4_K_M";
  if (calc.kv_dtypes.F16) kv.value = "F16";
  var max = calc.max_context || Number(form.dataset.maxContext) || 1024;
  ctx.max = String(max);
  ctx.value = String(Math.min(1024, max));

  function gb(bytes) {
    if (bytes === null) return "—";
    var v = bytes / 1e9;
    return (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US")) + " GB";
  }
  function tier(bytes) {
    if (bytes === null) return "unknown";
    for (var i = 0; i < TIERS.length; i++) if (bytes <= TIERS[i][0]) return TIERS[i][1];
    return "more";
  }
  function row(label, bytes) {
    var tr = document.createElement("tr");
    var th = document.createElement("th"); th.textContent = label;
    var td = document.createElement("td"); td.textContent = gb(bytes);
    tr.appendChild(th); tr.appendChild(td);
    parts.appendChild(tr);
  }
  function update() {
    var b = Math.max(1, Math.min(1024, parseInt(batch.value, 10) || 1));
    var c = Math.max(1, Math.min(max, parseInt(ctx.value, 10) || 1));
    ctxOut.textContent = c.toLocaleString("en-US");
    var r = window.LLMCardsVRAM.compute(calc, q.value, kv.value, c, b);
    total.textContent = gb(r.total_bytes);
    total.dataset.bytes = r.total_bytes === null ? "" : String(r.total_bytes);
    total.dataset.tier = tier(r.total_bytes);
    total.className = "llmc-tier";
    total.setAttribute("data-tier", tier(r.total_bytes));
    parts.textContent = "";
    row("Weights", r.weights_bytes);
    row("KV cache", r.kv_cache_bytes);
    row("Activations", r.activations_bytes);
    row("Overhead", r.overhead_bytes);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
