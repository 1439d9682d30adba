// Live engine calculator on model pages: the controls of form#ecalc, planned by
// window.LLMCardsEngineLlamacpp (assets/js/engine-llamacpp.js, llama.cpp's plan as
// generator/calc/engines/llamacpp.py computes it) on the data Python embeds in #ecalc-data
// (generator/site/calc_inputs.py: the model's engine data and the GPU catalog), written by
// window.LLMCardsFormat (the rules of generator/site/fmt.py). An invalid field shows a message
// next to it and clears the result: nothing is computed from a value the page made up.
(function () {
  "use strict";
  var form = document.getElementById("ecalc");
  var dataEl = document.getElementById("ecalc-data");
  if (!form || !dataEl || !window.LLMCardsEngineLlamacpp || !window.LLMCardsFormat) return;
  var all = JSON.parse(dataEl.textContent);
  var data = all.engine, GPUS = all.gpus;
  var E = window.LLMCardsEngineLlamacpp, F = window.LLMCardsFormat;
  function el(id) { return document.getElementById("ecalc-" + id); }
  var gpuSel = el("gpu"), count = el("count"), ram = el("ram"), quant = el("quant");
  var ctk = el("ctk"), ctv = el("ctv"), fa = el("fa"), ctx = el("context"), slider = el("context-slider");
  var ctxOut = el("context-value"), par = el("parallel"), ngl = el("ngl"), moe = el("moe");
  var total = el("total"), fitEl = el("fit"), maxEl = el("maxctx"), offEl = el("offload");
  var table = el("devices"), cli = el("cli"), server = el("server");
  var K = data.constants;
  var MAX = Number(form.dataset.maxContext);            // one sequence's maximum (the model's)
  var byId = {};
  GPUS.forEach(function (g) { byId[g.id] = g; });

  function option(sel, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text === undefined ? value : text;
    sel.appendChild(o);
    return o;
  }
  // GPUs by vendor, after "none" (what the model needs, no capacity check).
  option(gpuSel, "", "None: what the model needs");
  var groups = {};
  GPUS.forEach(function (g) {
    var v = g.vendor || "Other";
    if (!groups[v]) { groups[v] = document.createElement("optgroup"); groups[v].label = v; gpuSel.appendChild(groups[v]); }
    option(groups[v], g.id, g.name);
  });
  Object.keys(data.quants).forEach(function (q) { option(quant, q, q); });
  quant.value = data.default_quant;
  Object.keys(data.cache_types).forEach(function (t) { option(ctk, t, t.toLowerCase()); option(ctv, t, t.toLowerCase()); });
  ctk.value = K.kv_dtype; ctv.value = K.kv_dtype;
  var isMoe = Object.keys(data.quants).some(function (q) {
    return data.quants[q].experts.some(function (p) { return p[0] > 0; });
  });
  if (!isMoe) el("moe-field").hidden = true;

  // The reader's hardware from the site's picker (assets/js/hardware.js), if chosen: setup ids
  // read "<gpu>-x<count>"; otherwise a common 24 GB card.
  function startingGpu() {
    var hw = window.LLMCardsHardware && window.LLMCardsHardware.get && window.LLMCardsHardware.get();
    var m = hw && /^(.*)-x([0-9]+)$/.exec(hw.setup || "");
    if (m && byId[m[1]]) return [m[1], Number(m[2])];
    return [byId["rtx-4090"] ? "rtx-4090" : GPUS[0].id, 1];
  }
  var start = startingGpu();
  gpuSel.value = start[0]; count.value = String(start[1]);
  // the reader picks other hardware in the header: start from it
  document.addEventListener("llmcards:hardware", function () {
    var s = startingGpu();
    gpuSel.value = s[0]; count.value = String(s[1]);
    update();
  });

  // The slider's stops: 1K, 2K, 4K ... below the maximum, then the maximum (as the formula calculator).
  var PRESETS = [];
  for (var p = 1024; p < MAX; p *= 2) PRESETS.push(p);
  PRESETS.push(MAX);
  slider.max = String(PRESETS.length - 1);
  function syncSlider(n) {
    var i = 0;
    while (i + 1 < PRESETS.length && PRESETS[i + 1] <= n) i++;
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", F.tokens(PRESETS[i]) + " tokens");
  }

  // Field readers: a value, or {error: message}.
  function whole(input, lo, hi, what) {
    var v = input.value.trim();
    var n = /^[0-9]+$/.test(v) ? Number(v) : null;
    if (n === null || n < lo || n > hi) {
      return { error: what + " must be a whole number from " + F.exact(lo) + " to " + F.exact(hi) + "." };
    }
    return n;
  }
  function wholeOrAuto(input, lo, what) {
    if (input.value.trim().toLowerCase() === "auto") return "auto";
    var v = input.value.trim();
    if (!/^[0-9]+$/.test(v) || Number(v) < lo) return { error: what + " must be auto or a whole number of at least " + lo + "." };
    return Number(v);
  }
  function report(input, errEl, message) {
    errEl.textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  function bad(v) { return v !== null && typeof v === "object"; }

  // The `llmcards plan` command for these inputs (the CLI's flags: generator/cli.py plan).
  function planCommand(gpu, n, ramGb, s) {
    var parts = ["llmcards", "plan", data.model, "--engine", "llama.cpp"];
    if (gpu) parts.push("--gpu", gpu.id, "--gpus", String(n));
    if (ramGb !== null) parts.push("--ram-gb", String(ramGb));
    parts.push("--quant", s.quant, "--context", String(s.context));
    if (s.kv_type_k !== K.kv_dtype || s.kv_type_v !== K.kv_dtype) {
      parts.push("--kv-type-k", s.kv_type_k.toLowerCase(), "--kv-type-v", s.kv_type_v.toLowerCase());
    }
    if (s.flash_attn !== "auto") parts.push("--flash-attn", s.flash_attn);
    if (s.parallel !== "auto") parts.push("--parallel", String(s.parallel));
    if (s.n_gpu_layers !== "auto") parts.push("--n-gpu-layers", String(s.n_gpu_layers));
    if (s.cpu_moe_layers !== "auto") parts.push("--cpu-moe-layers", String(s.cpu_moe_layers));
    return parts.join(" ");
  }

  function cell(tag, text, bytes) {
    var c = document.createElement(tag);
    c.textContent = text;
    if (bytes !== undefined && bytes !== null) c.dataset.bytes = String(bytes);
    return c;
  }
  // One column per GPU, then the host (system RAM); one row per kind of memory.
  function showDevices(r) {
    var head = table.tHead, body = table.tBodies[0];
    head.textContent = ""; body.textContent = "";
    var hr = document.createElement("tr");
    hr.appendChild(cell("th", ""));
    r.devices.forEach(function (d) { var th = cell("th", d.name); th.scope = "col"; hr.appendChild(th); });
    var hh = cell("th", "System RAM"); hh.scope = "col"; hr.appendChild(hh);
    head.appendChild(hr);
    var rows = [["Weights", "weights_bytes", "weights_bytes"], ["KV cache", "kv_cache_bytes", "kv_cache_bytes"],
                ["Compute buffers", "compute_buffer_bytes", "compute_buffer_bytes"], ["Overhead", "overhead_bytes", null],
                ["Total", "total_bytes", "total_bytes"], ["Capacity", "capacity_bytes", null]];
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      tr.dataset.row = row[1];
      var th = cell("th", row[0]); th.scope = "row"; tr.appendChild(th);
      r.devices.forEach(function (d) {
        var v = d[row[1]];
        tr.appendChild(cell("td", v === null ? "no limit given" : F.gb(v), v));
      });
      var hv = row[2] ? r.host[row[2]] : null;
      tr.appendChild(cell("td", row[2] ? F.gb(hv) : (row[1] === "capacity_bytes" && r.ram !== null ? F.gb(r.ram) : "–"),
                          row[2] ? hv : (row[1] === "capacity_bytes" ? r.ram : null)));
      body.appendChild(tr);
    });
  }

  function clear(why) {
    total.textContent = "not computed: " + why;
    total.dataset.bytes = "";
    form.dataset.state = "invalid";
    [fitEl, maxEl, offEl, cli, server].forEach(function (x) { x.textContent = ""; });
    table.tHead.textContent = ""; table.tBodies[0].textContent = "";
  }

  function update() {
    var gpu = byId[gpuSel.value] || null;
    var n = whole(count, 1, K.MAX_GPUS, "The number of GPUs");
    var ramText = ram.value.trim();
    var ramGb = ramText === "" ? null : (/^[0-9]+(\.[0-9]+)?$/.test(ramText) && Number(ramText) > 0 ? Number(ramText)
      : { error: "System RAM must be a number of GB above 0, or empty (not checked)." });
    var c = whole(ctx, 1, 1e9, "The context");
    var np = wholeOrAuto(par, 1, "Parallel sequences");
    var g = wholeOrAuto(ngl, 0, "Layers on the GPUs");
    var m = isMoe ? wholeOrAuto(moe, 0, "Expert layers in system RAM") : "auto";
    count.disabled = !gpu;
    report(count, el("count-error"), gpu && bad(n) ? n.error : "");
    report(ram, el("ram-error"), bad(ramGb) ? ramGb.error : "");
    report(ctx, el("context-error"), bad(c) ? c.error : "");
    report(par, el("parallel-error"), bad(np) ? np.error : "");
    report(ngl, el("ngl-error"), bad(g) ? g.error : "");
    report(moe, el("moe-error"), bad(m) ? m.error : "");
    report(ctv, el("ctv-error"), "");
    ctxOut.textContent = bad(c) ? "" : F.exact(c);
    if ((gpu && bad(n)) || bad(ramGb) || bad(c) || bad(np) || bad(g) || bad(m)) { clear("correct the field marked above"); return; }
    var settings = { quant: quant.value, context: c, kv_type_k: ctk.value, kv_type_v: ctv.value, flash_attn: fa.value,
                     parallel: np, n_gpu_layers: g, cpu_moe_layers: m };
    var r = E.plan(data, settings, gpu, gpu ? n : 1, ramGb);
    if (r.error) {
      // the engine refused a setting: the message goes next to its field
      var at = { "--context": [ctx, "context-error"], "--kv-type-v": [ctv, "ctv-error"] }[r.error.option] || [ctx, "context-error"];
      report(at[0], el(at[1]), r.error.message + ".");
      clear("correct the field marked above");
      return;
    }
    delete form.dataset.state;
    r.ram = ramGb === null ? null : Math.trunc(ramGb * 1e9);
    var gpuTotal = r.devices.reduce(function (a, d) { return a + d.total_bytes; }, 0);
    total.textContent = F.gb(gpuTotal) + (gpu ? " on " + r.devices.length + " × " + gpu.name : " (no GPU chosen: what the model needs)");
    total.dataset.bytes = String(gpuTotal);
    form.dataset.fits = r.fits === null ? "" : String(r.fits);
    if (r.fits === null) fitEl.textContent = "Choose a GPU to check whether it fits.";
    else if (r.fits) fitEl.textContent = "Fits: every GPU holds its share within its capacity" + (r.ram !== null ? ", and the host part fits the system RAM." : ".");
    else {
      var over = r.devices.filter(function (d) { return d.total_bytes > d.capacity_bytes; });
      fitEl.textContent = "Does not fit: " + (over.length
        ? over.map(function (d) { return d.name + " needs " + F.gb(d.total_bytes) + " of " + F.gb(d.capacity_bytes); }).join(", ") + "."
        : "the host part (" + F.gb(r.host.total_bytes) + ") is more than the system RAM (" + F.gb(r.ram) + ").");
    }
    maxEl.dataset.tokens = r.max_context_that_fits === null ? "" : String(r.max_context_that_fits);
    maxEl.textContent = gpu ? (r.max_context_that_fits === null
      ? "Longest context that fits with this offload: none (not even 256 tokens)."
      : "Longest context that fits with this offload: " + F.exact(r.max_context_that_fits) + " tokens.") : "";
    offEl.textContent = "Offload: " + r.offload.moved + " (" + r.offload.flags.join(" ") + ").";
    showDevices(r);
    cli.textContent = planCommand(gpu, n, ramGb, settings);
    server.textContent = r.command;
  }

  form.addEventListener("input", function (e) {
    if (e.target === slider) {
      ctx.value = String(PRESETS[Number(slider.value)]);
      syncSlider(PRESETS[Number(slider.value)]);
    } else if (e.target === ctx) {
      var v = ctx.value.trim();
      if (/^[0-9]+$/.test(v)) syncSlider(Number(v));
    }
    update();
  });
  form.addEventListener("change", update);
  form.addEventListener("click", function (e) {
    var id = e.target && e.target.dataset ? e.target.dataset.copy : null;
    if (!id || !navigator.clipboard) return;
    navigator.clipboard.writeText(document.getElementById(id).textContent).then(function () {
      e.target.textContent = "Copied";
      setTimeout(function () { e.target.textContent = "Copy"; }, 1500);
    }, function () { /* clipboard refused: the text stays selectable */ });
  });
  syncSlider(Number(ctx.value));
  update();
})();
