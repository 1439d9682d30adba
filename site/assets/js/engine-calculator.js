// Live engine calculator on model pages: the controls of form#ecalc, planned by
// window.LLMCardsEngineLlamacpp (assets/js/engine-llamacpp.js, llama.cpp's plan as
// generator/calc/engines/llamacpp/ computes it) or window.LLMCardsEngineVllm
// (assets/js/engine-vllm.js, generator/calc/engines/vllm/) on the data Python embeds in
// #ecalc-data (generator/site/calc_inputs.py: the model's data per engine and the GPU catalog), written by
// window.LLMCardsFormat (the rules of generator/site/fmt.py). An invalid field shows a message
// next to it and clears the result: nothing is computed from a value the page made up.
(function () {
  "use strict";
  var form = document.getElementById("ecalc");
  var dataEl = document.getElementById("ecalc-data");
  if (!form || !dataEl || !window.LLMCardsEngineLlamacpp || !window.LLMCardsEngineVllm || !window.LLMCardsFormat) return;
  var all = JSON.parse(dataEl.textContent);
  var data = all.engines["llama.cpp"], vdata = all.engines.vllm, GPUS = all.gpus;
  var E = window.LLMCardsEngineLlamacpp, V = window.LLMCardsEngineVllm, F = window.LLMCardsFormat;
  var engineSel = document.getElementById("ecalc-engine");
  function el(id) { return document.getElementById("ecalc-" + id); }
  var gpuSel = el("gpu"), count = el("count"), ram = el("ram"), quant = el("quant");
  var ctk = el("ctk"), ctv = el("ctv"), fa = el("fa"), ctx = el("context"), slider = el("context-slider");
  var ctxOut = el("context-value"), par = el("parallel"), ngl = el("ngl"), moe = el("moe");
  var total = el("total"), fitEl = el("fit"), maxEl = el("maxctx"), offEl = el("offload");
  var table = el("devices"), cli = el("cli"), server = el("server");
  var speedEl = el("speed"), basisEl = el("speed-basis");
  var kvdtype = el("kvdtype"), seqs = el("seqs"), tpField = el("tp"), util = el("util"), release = el("release");
  var ramClass = el("ram-class"), ramClassField = el("ram-class-field");
  var CPU = "cpu";   // the GPU select's "CPU only (no GPU)": llmcards plan --cpu-only
  var K = data.constants || {};
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
  if (ramClass && all.host_memory) {
    option(gpuSel, CPU, "CPU only (no GPU): all in system RAM");
    Object.keys(all.host_memory).forEach(function (id) {
      var c = all.host_memory[id];
      option(ramClass, id, c.name + ", " + Math.round(c.bandwidth_bytes_per_s / 1e9) + " GB/s");
    });
    if (all.host_memory["ddr5-dual"]) ramClass.value = "ddr5-dual";
  }
  var groups = {};
  GPUS.forEach(function (g) {
    var v = g.vendor || "Other";
    if (!groups[v]) { groups[v] = document.createElement("optgroup"); groups[v].label = v; gpuSel.appendChild(groups[v]); }
    option(groups[v], g.id, g.name);
  });
  if (!all.unsupported["llama.cpp"]) {
    Object.keys(data.cache_types).forEach(function (t) { option(ctk, t, t.toLowerCase()); option(ctv, t, t.toLowerCase()); });
    ctk.value = K.kv_dtype; ctv.value = K.kv_dtype;
  }
  if (!all.unsupported.vllm) vdata.constants.KV_DTYPES.forEach(function (t) { option(kvdtype, t, t); });
  var isMoe = !all.unsupported["llama.cpp"] && Object.keys(data.quants).some(function (q) {
    return data.quants[q].experts.some(function (p) { return p[0] > 0; });
  });
  // Each engine's quantizations (GGUF files for llama.cpp, checkpoints for vLLM) and first choice:
  // the native checkpoint where the engine loads it, else the engine's default.
  function engineQuants(name) {
    if (name === "vllm") return [Object.keys(vdata.quants), vdata.quants[vdata.native] ? vdata.native : "BF16"];
    return [Object.keys(data.quants), data.default_quant];
  }
  var chosenQuant = {};
  function showEngine(name) {
    form.dataset.engine = name;
    form.querySelectorAll("[data-engine]").forEach(function (x) { x.hidden = x.dataset.engine !== name; });
    if (!isMoe) el("moe-field").hidden = true;
    quant.textContent = "";
    var qs = engineQuants(name);
    qs[0].forEach(function (q) { option(quant, q, q); });
    quant.value = chosenQuant[name] || qs[1];
  }

  // The reader's hardware from the site's picker (assets/js/hardware.js), if chosen: setup ids
  // read "<gpu>-x<count>"; otherwise a common 24 GB card.
  function startingGpu() {
    var hw = window.LLMCardsHardware && window.LLMCardsHardware.get && window.LLMCardsHardware.get();
    if (hw && hw.cpu_only && ramClass && all.host_memory) {   // CPU only: its RAM and memory class too
      ram.value = String(hw.ram_gb);
      if (all.host_memory[hw.ram_class]) ramClass.value = hw.ram_class;
      return [CPU, 1];
    }
    if (hw && hw.gpu && byId[hw.gpu]) return [hw.gpu, hw.count || 1];   // a common or custom setup's GPU
    var m = hw && /^(.*)-x([0-9]+)$/.exec(hw.setup || "");
    if (m && byId[m[1]]) return [m[1], Number(m[2])];
    return [byId["rtx-4090"] ? "rtx-4090" : GPUS[0].id, 1];
  }
  var start = startingGpu();
  gpuSel.value = start[0]; count.value = String(start[1]);
  // the reader's engine from the header, else llama.cpp (what home readers run), if it can run the model
  var hwChoice = window.LLMCardsHardware && window.LLMCardsHardware.get && window.LLMCardsHardware.get();
  var firstEngine = hwChoice && hwChoice.engine === "vllm" ? "vllm" : "llama.cpp";
  if (all.unsupported[firstEngine]) firstEngine = firstEngine === "vllm" ? "llama.cpp" : "vllm";
  engineSel.value = firstEngine;
  showEngine(firstEngine);
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
  function planCommand(gpu, n, ramGb, s, cls) {
    var parts = ["llmcards", "plan", data.model || vdata.model, "--engine", "llama.cpp"];
    if (gpu) parts.push("--gpu", gpu.id, "--gpus", String(n));
    if (s.cpu_only) parts.push("--cpu-only");
    if (ramGb !== null) parts.push("--ram-gb", String(ramGb));
    if (s.cpu_only && cls) parts.push("--ram-class", cls);
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
  // The same for vLLM (options left at their defaults are left out, as a user would).
  function vllmCommand(gpu, n, s) {
    var parts = ["llmcards", "plan", vdata.model, "--engine", "vllm"];
    if (gpu) parts.push("--gpu", gpu.id, "--gpus", String(n));
    parts.push("--quant", s.quant, "--context", String(s.context));
    if (s.kv_dtype !== "auto") parts.push("--kv-dtype", s.kv_dtype);
    if (s.parallel !== 1) parts.push("--parallel", String(s.parallel));
    if (s.tensor_parallel !== null) parts.push("--tensor-parallel", String(s.tensor_parallel));
    if (s.gpu_memory_utilization !== vdata.constants.utilization) parts.push("--gpu-memory-utilization", String(s.gpu_memory_utilization));
    if (s.vllm_version !== vdata.constants.DEFAULT_RELEASE) parts.push("--vllm-version", s.vllm_version);
    return parts.join(" ");
  }

  function cell(tag, text, bytes) {
    var c = document.createElement(tag);
    c.textContent = text;
    if (bytes !== undefined && bytes !== null) c.dataset.bytes = String(bytes);
    return c;
  }
  // One column per GPU, then the host (system RAM); one row per kind of memory.
  function showDevices(r, withHost) {
    var head = table.tHead, body = table.tBodies[0];
    head.textContent = ""; body.textContent = "";
    var hr = document.createElement("tr");
    hr.appendChild(cell("th", ""));
    r.devices.forEach(function (d) { var th = cell("th", d.name); th.scope = "col"; hr.appendChild(th); });
    if (withHost) { var hh = cell("th", "System RAM"); hh.scope = "col"; hr.appendChild(hh); }
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
        tr.appendChild(cell("td", v === null ? "no limit given" : row[1] === "capacity_bytes" ? F.capacity(v) : F.gb(v), v));
      });
      var hv = row[2] ? r.host[row[2]] : null;
      if (withHost) tr.appendChild(cell("td", row[2] ? F.gb(hv) : (row[1] === "capacity_bytes" && r.ram !== null ? F.capacity(r.ram) : "–"),
                          row[2] ? hv : (row[1] === "capacity_bytes" ? r.ram : null)));
      body.appendChild(tr);
    });
  }

  // The plan's speed bounds (llamacpp._speed, vllm.plan: what `llmcards plan` prints as "speed"), written
  // with the site's rate format; the raw numbers stay on the element.
  function showSpeed(sp, gpu) {
    var d = sp.decode_tokens_per_s_upper_bound, p = sp.prefill_tokens_per_s_upper_bound;
    speedEl.dataset.decode = d === null ? "" : String(d);
    speedEl.dataset.prefill = p === null ? "" : String(p);
    speedEl.textContent = gpu ? "Speed, one sequence (upper bounds, not measurements): decode ≤ " + F.rate(d) +
      ", prefill ≤ " + F.rate(p) + "." : "Choose a GPU for the speed bounds.";
    basisEl.textContent = gpu ? "How: " + sp.basis + "." : "";
  }

  function clear(why) {
    total.textContent = "not computed: " + why;
    total.dataset.bytes = "";
    form.dataset.state = "invalid";
    [fitEl, maxEl, offEl, cli, server, speedEl, basisEl].forEach(function (x) { x.textContent = ""; });
    speedEl.dataset.decode = ""; speedEl.dataset.prefill = "";
    table.tHead.textContent = ""; table.tBodies[0].textContent = "";
  }

  function update() {
    if (form.dataset.engine !== engineSel.value) {   // the engine changed: its own controls and quantizations
      chosenQuant[form.dataset.engine] = quant.value;
      showEngine(engineSel.value);
    }
    var gpu = byId[gpuSel.value] || null;
    var cpuOnly = gpuSel.value === CPU;
    var n = whole(count, 1, all.max_gpus, "The number of GPUs");
    if (ramClassField) ramClassField.hidden = !(cpuOnly && engineSel.value !== "vllm");
    if (engineSel.value === "vllm" && cpuOnly) {   // no plan: vLLM needs a GPU (fit.NEEDS_GPU)
      count.disabled = true;
      clear("no GPU chosen");
      total.textContent = all.needs_gpu.vllm + ".";
      return;
    }
    if (engineSel.value === "vllm") { updateVllm(gpu, n); return; }
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
    if (cpuOnly) settings.cpu_only = true;
    var cls = cpuOnly ? ramClass.value : null;
    var r = E.plan(data, settings, gpu, gpu ? n : 1, ramGb, cls ? all.host_memory[cls].bandwidth_bytes_per_s : null);
    if (r.error) {
      // the engine refused a setting: the message goes next to its field
      var at = { "--context": [ctx, "context-error"], "--kv-type-v": [ctv, "ctv-error"], "--n-gpu-layers": [ngl, "ngl-error"],
                 "--cpu-moe-layers": [moe, "moe-error"] }[r.error.option] || [ctx, "context-error"];
      report(at[0], el(at[1]), r.error.message + ".");
      clear("correct the field marked above");
      return;
    }
    delete form.dataset.state;
    r.ram = ramGb === null ? null : Math.trunc(ramGb * 1e9);
    var gpuTotal = r.devices.reduce(function (a, d) { return a + d.total_bytes; }, 0);
    if (cpuOnly) gpuTotal = r.host.total_bytes;
    total.textContent = F.gb(gpuTotal) + (cpuOnly ? " in system RAM (CPU only, no GPU)"
      : gpu ? " on " + r.devices.length + " × " + gpu.name : " (no GPU chosen: what the model needs)");
    total.dataset.bytes = String(gpuTotal);
    form.dataset.fits = r.fits === null ? "" : String(r.fits);
    if (r.fits === null) fitEl.textContent = cpuOnly ? "Give the system RAM to check whether it fits." : "Choose a GPU to check whether it fits.";
    else if (r.fits && cpuOnly) fitEl.textContent = "Fits: the whole plan fits the system RAM.";
    else if (r.fits) fitEl.textContent = "Fits: every GPU holds its share within its capacity" + (r.ram !== null ? ", and the host part fits the system RAM." : ".");
    else {
      var over = r.devices.filter(function (d) { return d.total_bytes > d.capacity_bytes; });
      fitEl.textContent = "Does not fit: " + (over.length
        ? over.map(function (d) { return d.name + " needs " + F.gb(d.total_bytes) + " of " + F.capacity(d.capacity_bytes); }).join(", ") + "."
        : "the host part (" + F.gb(r.host.total_bytes) + ") is more than the system RAM (" + F.capacity(r.ram) + ").");
    }
    maxEl.dataset.tokens = r.max_context_that_fits === null ? "" : String(r.max_context_that_fits);
    maxEl.textContent = (gpu || (cpuOnly && r.fits !== null)) ? (r.max_context_that_fits === null
      ? "Longest context that fits with this offload: none (not even 256 tokens)."
      : "Longest context that fits with this offload: " + F.exact(r.max_context_that_fits) + " tokens.") : "";
    offEl.textContent = "Offload: " + r.offload.moved + " (" + r.offload.flags.join(" ") + ").";
    showSpeed(r.speed, gpu || cpuOnly);
    showDevices(r, true);
    cli.textContent = planCommand(gpu, n, ramGb, settings, cls);
    server.textContent = r.command;
  }

  function updateVllm(gpu, n) {
    var c = whole(ctx, 1, 1e9, "The context");
    var sq = whole(seqs, 1, 65536, "Sequences at full context");
    var tpv = wholeOrAuto(tpField, 1, "Tensor parallel");
    var ut = util.value.trim();
    var u = /^[0-9]*\.?[0-9]+$/.test(ut) && Number(ut) > 0 && Number(ut) <= 1 ? Number(ut)
      : { error: "GPU memory utilization must be a number above 0 and at most 1." };
    count.disabled = !gpu;
    report(count, el("count-error"), gpu && bad(n) ? n.error : "");
    report(ctx, el("context-error"), bad(c) ? c.error : "");
    report(seqs, el("seqs-error"), bad(sq) ? sq.error : "");
    report(tpField, el("tp-error"), bad(tpv) ? tpv.error : "");
    report(util, el("util-error"), bad(u) ? u.error : "");
    ctxOut.textContent = bad(c) ? "" : F.exact(c);
    if ((gpu && bad(n)) || bad(c) || bad(sq) || bad(tpv) || bad(u)) { clear("correct the field marked above"); return; }
    var settings = { quant: quant.value, context: c, kv_dtype: kvdtype.value, parallel: sq,
                     tensor_parallel: tpv === "auto" ? null : tpv, gpu_memory_utilization: u,
                     vllm_version: release.value };
    report(release, el("release-error"), "");
    var vg = gpu ? Object.assign({ id: gpu.id, bw: gpu.bw, tflops: gpu.tflops }, gpu.vllm) : null;
    var r = V.plan(vdata, settings, vg, gpu ? n : 1);
    if (r.error) {
      var at = { "--context": [ctx, "context-error"], "--tensor-parallel": [tpField, "tp-error"],
                 "--gpus": [count, "count-error"], "--gpu": [count, "count-error"] }[r.error.option] || [ctx, "context-error"];
      report(at[0], el(at[1]), r.error.message + ".");
      clear("correct the field marked above");
      return;
    }
    if (r.supported === false) {   // a model this release line does not plan (vllm.unsupported)
      report(release, el("release-error"), r.unsupported_reason + ".");
      clear("choose another vLLM release");
      return;
    }
    delete form.dataset.state;
    var gpuTotal = r.devices.reduce(function (a, d) { return a + d.total_bytes; }, 0);
    total.textContent = F.gb(gpuTotal) + (gpu ? " on " + r.devices.length + " × " + gpu.name : " (no GPU chosen: what the model needs)");
    total.dataset.bytes = String(gpuTotal);
    form.dataset.fits = r.fits === null ? "" : String(r.fits);
    if (r.fits === null) fitEl.textContent = "Choose a GPU to check whether it fits.";
    else if (r.fits) fitEl.textContent = "Fits: the KV cache left after the weights holds " + sq + " request(s) of this context.";
    else {
      var over = r.devices.filter(function (d) { return d.total_bytes > d.capacity_bytes; });
      fitEl.textContent = "Does not fit: " + (over.length
        ? over.map(function (d) { return d.name + " needs " + F.gb(d.total_bytes) + " of " + F.capacity(d.capacity_bytes); }).join(", ") + "."
        : "the KV cache left after the weights (" + F.exact(r.kv_cache_capacity_tokens) + " tokens) does not hold " + sq + " request(s) of this context.");
    }
    maxEl.dataset.tokens = r.max_context_that_fits === null ? "" : String(r.max_context_that_fits);
    maxEl.textContent = gpu ? (r.max_context_that_fits === null ? "Longest --max-model-len that fits: none."
      : "Longest --max-model-len that fits: " + F.exact(r.max_context_that_fits) + " tokens.") : "";
    offEl.textContent = gpu ? "KV cache: " + F.exact(r.kv_cache_capacity_tokens) + " tokens, " + r.max_concurrency +
      " requests of this context at once; tensor parallel " + r.settings.tensor_parallel + "." : "No GPU chosen: no KV cache capacity; tensor parallel " + r.settings.tensor_parallel + ".";
    showSpeed(r.speed, gpu);
    showDevices(r, false);
    cli.textContent = vllmCommand(gpu, n, settings);
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
