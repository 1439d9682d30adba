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
  var ctx = document.getElementById("calc-context");             // number field: any whole number 1..max
  var slider = document.getElementById("calc-context-slider");   // range over the indexes of PRESETS
  var ctxOut = document.getElementById("calc-context-value");
  var ctxErr = document.getElementById("calc-context-error");
  var batch = document.getElementById("calc-batch");
  var batchErr = document.getElementById("calc-batch-error");
  var total = document.getElementById("calc-total");
  var parts = document.getElementById("calc-parts").tBodies[0];
  var fit = document.getElementById("calc-fit");
  var TIERS = JSON.parse(form.dataset.tiers);   // [[bytes, label], ...], smallest first
  var F = window.LLMCardsFormat, gb = F.gb;

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
  var BATCH_MAX = Number(batch.max) || 1024;
  // The slider's stops: 1K, 2K, 4K ... (powers of two times 1,024) below the maximum, then the maximum.
  var PRESETS = [];
  for (var p = 1024; p < max; p *= 2) PRESETS.push(p);
  PRESETS.push(max);
  ctx.max = String(max);
  ctx.value = String(Math.min(8192, max));   // 8K, the context of the hardware-fit and compare figures (review P10)
  slider.max = String(PRESETS.length - 1);

  // The slider at the largest preset not above n (the first one below 1K), so that an
  // arrow key moves on to the next preset.
  function syncSlider(n) {
    var i = 0;
    while (i + 1 < PRESETS.length && PRESETS[i + 1] <= n) i++;
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", F.tokens(PRESETS[i]) + " tokens");
  }
  // A whole number in lo..hi written as digits, or null.
  function whole(input, lo, hi) {
    var v = input.value.trim();
    if (!/^[0-9]+$/.test(v)) return null;
    var n = Number(v);
    return (n >= lo && n <= hi) ? n : null;
  }
  // Shows (or clears) the message under a field; marks the field invalid.
  function report(input, errEl, message) {
    errEl.textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
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
  // An invalid context or batch is never replaced by a guess: the message says what is
  // wanted and the results are cleared ("not computed") until the input is valid again.
  function update() {
    var c = whole(ctx, 1, max), b = whole(batch, 1, BATCH_MAX);
    report(ctx, ctxErr, c === null ? "Context must be a whole number of tokens from 1 to " + F.exact(max) + "." : "");
    report(batch, batchErr, b === null ? "Batch size must be a whole number from 1 to " + F.exact(BATCH_MAX) + "." : "");
    ctxOut.textContent = c === null ? "" : F.exact(c);
    parts.textContent = "";
    if (c === null || b === null) {
      total.textContent = "not computed: correct the " + (c === null ? "context" : "batch size") + " above";
      total.dataset.bytes = "";
      total.className = "";
      delete total.dataset.tier;
      form.dataset.state = "invalid";
      fit.textContent = "";
      return;
    }
    delete form.dataset.state;
    var r = window.LLMCardsVRAM.compute(calc, q.value, kv.value, c, b);
    total.textContent = gb(r.total_bytes);
    total.dataset.bytes = r.total_bytes === null ? "" : String(r.total_bytes);
    total.className = "llmc-tier";
    total.dataset.tier = tier(r.total_bytes);
    showFit(r.total_bytes);
    row("Weights", r.weights_bytes);
    row("KV cache", r.kv_cache_bytes);
    row("Activations", r.activations_bytes);
    row("Overhead", r.overhead_bytes);
  }
  form.addEventListener("input", function (e) {
    if (e.target === slider) {
      ctx.value = String(PRESETS[Number(slider.value)]);
      syncSlider(PRESETS[Number(slider.value)]);
    } else if (e.target === ctx) {
      var c = whole(ctx, 1, max);
      if (c !== null) syncSlider(c);
    }
    update();
  });
  form.addEventListener("change", update);
  syncSlider(Number(ctx.value));
  update();
})();
