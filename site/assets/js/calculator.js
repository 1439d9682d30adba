// Live VRAM calculator on model pages. The numbers come from window.LLMCardsVRAM
// (assets/js/vram.js, the browser mirror of generator/calc) applied to the
// coefficients embedded in the page as JSON (#llmc-calc-data); they are written by
// window.LLMCardsFormat (assets/js/format.js, the rules of generator/site/fmt.py).
// The GPU tiers come from the form's data-tiers (generator/site/pages.GPU_TIERS).
(function () {
  "use strict";
  var form = document.getElementById("llmc-calc");
  var dataEl = document.getElementById("llmc-calc-data");
  if (!form || !dataEl || !window.LLMCardsVRAM || !window.LLMCardsFormat) return;
  var calc = JSON.parse(dataEl.textContent);
  var q = document.getElementById("calc-quantization");
  var kv = document.getElementById("calc-kv");
  var ctx = document.getElementById("calc-context");
  var ctxOut = document.getElementById("calc-context-value");
  var batch = document.getElementById("calc-batch");
  var total = document.getElementById("calc-total");
  var parts = document.getElementById("calc-parts").tBodies[0];
  var fit = document.getElementById("calc-fit");
  var TIERS = JSON.parse(form.dataset.tiers);   // [[bytes, label], ...], smallest first
  var gb = window.LLMCardsFormat.gb;

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
  // "Fits on one GPU with: 24 GB ✓ 48 GB ✓ 80 GB ✗" (GB = 1e9 bytes).
  function showFit(bytes) {
    fit.textContent = "";
    if (bytes === null) return;
    fit.appendChild(document.createTextNode("Fits on one GPU with: "));
    TIERS.forEach(function (t) {
      var s = document.createElement("span");
      var ok = bytes <= t[0];
      s.dataset.fits = ok ? "yes" : "no";
      s.textContent = t[1] + (ok ? " ✓" : " ✗");
      s.title = ok ? "fits in " + t[1] : "does not fit in " + t[1];
      fit.appendChild(s);
    });
    var largest = TIERS[TIERS.length - 1];
    if (bytes > largest[0]) {
      fit.appendChild(document.createTextNode(
        "more than " + largest[1] + ": at least " + Math.ceil(bytes / largest[0]) +
        " × " + largest[1] + " GPUs for the memory alone (see Hardware fit)."));
    }
  }
  function update() {
    var b = Math.max(1, Math.min(1024, parseInt(batch.value, 10) || 1));
    var c = Math.max(1, Math.min(max, parseInt(ctx.value, 10) || 1));
    ctxOut.textContent = window.LLMCardsFormat.exact(c);
    var r = window.LLMCardsVRAM.compute(calc, q.value, kv.value, c, b);
    total.textContent = gb(r.total_bytes);
    total.dataset.bytes = r.total_bytes === null ? "" : String(r.total_bytes);
    total.className = "llmc-tier";
    total.dataset.tier = tier(r.total_bytes);
    showFit(r.total_bytes);
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
