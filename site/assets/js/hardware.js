/* "My hardware": the reader's setup and engine, chosen once in the header and used on every page.
 *
 * window.LLMCardsHardware = {
 *   get()      -> the choice, or null (nothing chosen, or a stored value this site cannot read):
 *                 a common setup:  {setup: id, engine, gpu, count, custom: false}
 *                 custom hardware: {setup: "custom", engine, gpu, count, ram_gb (GB, or null on
 *                                   unified memory), ram_class (a gpus.yaml host_memory id, or
 *                                   null: the GPU's usual one), label, short, custom: true}
 *                 no GPU ("CPU only"): {setup: "custom", engine, cpu_only: true, gpu: null, count: 1,
 *                                   ram_gb (GB), ram_class (required), label, short, custom: true}
 *                 engine is "llama.cpp" or "vllm"; gpu a schema/gpus.yaml id,
 *   set(obj)   -> stores it (null forgets it) and fires "llmcards:hardware" on document
 *                 (event.detail = the new value, or null),
 *   setups()   -> [{id, label, short, group, gpu, gpus}] (the common setups the plans files cover),
 *   find(id)   -> one of those, or null,
 *   gpus()     -> a promise of api/calc/gpus.json (the catalog as the engines read it),
 *   customLabel(gpuRow, count, ramGb, className) -> [label, short] of a custom setup,
 *   customKey(choice) -> the string that tells custom hardware apart (GPU or "cpu", count, RAM,
 *                 memory class): what pages cache their custom results by,
 *   open()     -> opens the header's dialog
 * }
 * Stored in localStorage "llmcards.hardware" as JSON, version 2:
 *   {"version": 2, "setup": id, "engine": e}  or
 *   {"version": 2, "setup": "custom", "engine": e, "gpu": id, "count": n, "ram_gb": x | null,
 *    "ram_class": id | null, "label": s, "short": s}  or, without a GPU,
 *   {"version": 2, "setup": "custom", "engine": e, "cpu_only": true, "gpu": null, "count": 1,
 *    "ram_gb": x, "ram_class": id, "label": s, "short": s}.
 * Older values are read too: {setup, engine} (version 1) and the bare setup id ("rtx-3090-x2",
 * engine llama.cpp); anything else unreadable counts as nothing chosen. Runs in the header,
 * before the page's own scripts.
 */
(function () {
  "use strict";
  var KEY = "llmcards.hardware";
  var EVENT = "llmcards:hardware";
  var ENGINES = ["llama.cpp", "vllm"];
  var DEFAULT_ENGINE = "llama.cpp";
  var CUSTOM = "custom";
  var MAX_COUNT = 8;
  var CPU_SHORT = "CPU only";

  var list = [];
  try {
    var data = document.getElementById("llmc-hardware-setups");
    list = data ? JSON.parse(data.textContent || "[]") : [];
    if (!Array.isArray(list)) list = [];
  } catch (e) { list = []; }

  function find(id) {
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return null;
  }

  function wholeIn(n, lo, hi) { return typeof n === "number" && Math.floor(n) === n && n >= lo && n <= hi; }

  // A stored or given value as the choice get() returns, or null when it cannot be read.
  function normalize(value) {
    if (typeof value === "string") value = { setup: value };
    if (!value || typeof value !== "object" || typeof value.setup !== "string") return null;
    var engine = ENGINES.indexOf(value.engine) >= 0 ? value.engine : DEFAULT_ENGINE;
    if (value.setup === CUSTOM && value.cpu_only === true) {
      // CPU only: the RAM and its class decide the plan, so both are required
      var r = value.ram_gb, rc = value.ram_class;
      if (!(typeof r === "number" && r > 0 && r <= 1e6) || typeof rc !== "string" || !rc) return null;
      var cl = typeof value.label === "string" && value.label ? value.label : "CPU only, " + ramText(r);
      return { setup: CUSTOM, engine: engine, cpu_only: true, gpu: null, count: 1, ram_gb: r, ram_class: rc,
               label: cl, short: typeof value.short === "string" && value.short ? value.short : CPU_SHORT, custom: true };
    }
    if (value.setup === CUSTOM) {
      var ram = value.ram_gb === null || value.ram_gb === undefined ? null : value.ram_gb;
      if (typeof value.gpu !== "string" || !value.gpu || !wholeIn(value.count, 1, MAX_COUNT) ||
          (ram !== null && !(typeof ram === "number" && ram > 0 && ram <= 1e6))) return null;
      var label = typeof value.label === "string" && value.label ? value.label : value.count + " × " + value.gpu;
      var cls = typeof value.ram_class === "string" && value.ram_class ? value.ram_class : null;
      return { setup: CUSTOM, engine: engine, gpu: value.gpu, count: value.count, ram_gb: ram, ram_class: cls,
               label: label, short: typeof value.short === "string" && value.short ? value.short : label, custom: true };
    }
    var s = find(value.setup);
    if (!s) return null;
    return { setup: s.id, engine: engine, gpu: s.gpu || null, count: s.gpus || 1, custom: false };
  }

  function stored(c) {
    if (!c) return null;
    if (!c.custom) return { version: 2, setup: c.setup, engine: c.engine };
    if (c.cpu_only) {
      return { version: 2, setup: CUSTOM, engine: c.engine, cpu_only: true, gpu: null, count: 1, ram_gb: c.ram_gb,
               ram_class: c.ram_class, label: c.label, short: c.short };
    }
    return { version: 2, setup: CUSTOM, engine: c.engine, gpu: c.gpu, count: c.count, ram_gb: c.ram_gb,
             ram_class: c.ram_class, label: c.label, short: c.short };
  }

  function read() {
    var raw = null;
    try { raw = window.localStorage.getItem(KEY); } catch (e) { return null; }
    if (raw === null) return null;
    var parsed = raw;
    try { parsed = JSON.parse(raw); } catch (e) { /* the old bare id */ }
    return normalize(parsed);
  }

  var current = read();

  function copy(c) {
    if (!c) return null;
    var o = {};
    Object.keys(c).forEach(function (k) { o[k] = c[k]; });
    return o;
  }

  function announce() {
    var ev;
    try {
      ev = new CustomEvent(EVENT, { detail: copy(current) });
    } catch (e) {            // very old browsers
      ev = document.createEvent("CustomEvent");
      ev.initCustomEvent(EVENT, false, false, copy(current));
    }
    document.dispatchEvent(ev);
  }

  function set(value) {
    current = normalize(value);
    try {
      if (current) window.localStorage.setItem(KEY, JSON.stringify(stored(current)));
      else window.localStorage.removeItem(KEY);
    } catch (e) { /* storage off: the choice lasts this page */ }
    showCurrent();
    announce();
    return copy(current);
  }

  // another tab changed it
  window.addEventListener("storage", function (ev) {
    if (ev.key !== KEY) return;
    current = read();
    showCurrent();
    announce();
  });

  // -- the GPU catalog (api/calc/gpus.json), loaded when custom hardware is first needed ---------
  var dialog = document.getElementById("llmc-hw-dialog");
  var gpusUrl = dialog ? dialog.getAttribute("data-gpus") : null;
  var gpusPromise = null;
  function gpus() {
    if (!gpusPromise) {
      gpusPromise = !gpusUrl ? Promise.reject(new Error("no GPU catalog on this page"))
        : fetch(gpusUrl).then(function (r) {
          if (!r.ok) throw new Error("cannot load the GPU list: " + r.status);
          return r.json();
        });
      gpusPromise.catch(function () { gpusPromise = null; });   // try again next time
    }
    return gpusPromise;
  }

  // Names without the vendor's prefix, for the header button (answer.short_label in Python).
  var PREFIXES = ["NVIDIA GeForce ", "NVIDIA ", "AMD Radeon ", "AMD ", "Intel ", "Apple "];
  function shortName(name) {
    for (var i = 0; i < PREFIXES.length; i++) {
      if (name.indexOf(PREFIXES[i]) === 0) return name.slice(PREFIXES[i].length);
    }
    return name;
  }
  function gbText(bytes) { return Math.round(bytes / 1e9) + " GB"; }
  // two decimals at most; below 1 GB three significant figures, so that 0.001 GB does not read "0 GB"
  function ramText(ram) {
    var shown = ram < 1 ? Number(ram.toPrecision(3)) : Math.round(ram * 100) / 100;
    return String(shown).replace(/\B(?=(\d{3})+(?!\d))/g, ",") + " GB RAM";
  }
  /** [label, short] of a custom setup: "3 × NVIDIA GeForce RTX 3090 (24 GB) + 64 GB RAM", "3× RTX 3090";
   * className: the system memory's class name when it is not the GPU's usual one. */
  function customLabel(g, count, ram, className) {
    if (g.unified) return [g.name, shortName(g.name.replace(" unified memory", ""))];
    var label = count + " × " + g.name;
    if (g.memory_bytes && !/GB/.test(g.name)) label += " (" + gbText(g.memory_bytes) + ")";
    if (ram !== null && ram !== undefined) label += " + " + ramText(ram) + (className ? " (" + className + ")" : "");
    var short = shortName(g.name);
    return [label, count === 1 ? short : count + "× " + short];
  }
  /** [label, short] of a machine without a GPU: "CPU only, 64 GB RAM (Desktop, dual-channel DDR5-5600)". */
  function cpuLabel(ram, className) {
    return ["CPU only, " + ramText(ram) + (className ? " (" + className + ")" : ""), CPU_SHORT];
  }

  // -- the header control --------------------------------------------------------
  var button = document.getElementById("llmc-hw-open");
  var form = document.getElementById("llmc-hw-form");
  var select = document.getElementById("llmc-hw-setup");
  var nameEl = document.getElementById("llmc-hw-current");
  function $(id) { return document.getElementById(id); }
  var gpuSel = $("llmc-hw-gpu"), countIn = $("llmc-hw-count"), ramIn = $("llmc-hw-ram");
  var chipSel = $("llmc-hw-chip"), memSel = $("llmc-hw-memory"), loading = $("llmc-hw-loading");
  var classSel = $("llmc-hw-ram-class");
  var cpuRamIn = $("llmc-hw-cpu-ram"), cpuClassSel = $("llmc-hw-cpu-class");
  var catalog = null;     // api/calc/gpus.json once loaded
  // The custom fields still hold the first options the catalog filled them with: the first
  // fillFromCurrent gives them the defaults instead (later ones keep what the reader set).
  var firstFill = true;

  function engineLabel(e) { return e === "vllm" ? "vLLM" : "llama.cpp"; }

  function showCurrent() {
    if (!button) return;
    var label = current ? (current.custom ? current.label : (find(current.setup) || {}).label) : null;
    var short = current ? (current.custom ? current.short : (find(current.setup) || {}).short) : null;
    var engine = current ? engineLabel(current.engine) : "";
    if (nameEl) nameEl.textContent = label ? (short || label) : "My hardware";
    button.setAttribute("aria-label", label ? "My hardware: " + label + ", " + engine + " (change)"
                                            : "My hardware: not chosen (choose)");
    button.title = label ? label + " · " + engine : "Choose your hardware";
  }

  function option(parent, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text;
    parent.appendChild(o);
    return o;
  }

  function fillSelect() {
    if (!select || select.options.length) return;
    option(select, "", "Choose…");
    var group = null, label = null;
    list.forEach(function (s) {
      if (s.group !== label) {
        label = s.group;
        group = document.createElement("optgroup");
        group.label = label || "Other";
        select.appendChild(group);
      }
      option(group, s.id, s.label);
    });
  }

  function kind() {
    var k = form.querySelector("input[name=kind]:checked");
    return k ? k.value : "common";
  }
  function setKind(k) {
    Array.prototype.forEach.call(form.querySelectorAll("input[name=kind]"), function (r) { r.checked = r.value === k; });
    showKind();
  }

  // The catalog's GPUs by picker group; unified-memory machines by chip, then memory size.
  function fillCatalog() {
    if (!catalog || gpuSel.options.length) return;
    var groups = {};
    catalog.gpus.forEach(function (g) {
      if (g.unified) return;
      if (!groups[g.group]) { groups[g.group] = document.createElement("optgroup"); groups[g.group].label = g.group; gpuSel.appendChild(groups[g.group]); }
      option(groups[g.group], g.id, g.name + (g.memory_bytes && !/GB/.test(g.name) ? " (" + gbText(g.memory_bytes) + ")" : ""));
    });
    Object.keys(catalog.host_memory || {}).forEach(function (id) {
      var c = catalog.host_memory[id];
      if (!c.bandwidth_bytes_per_s) return;   // unified memory: the machine's GPU reads it (the Mac part)
      var text = c.name + ", " + Math.round(c.bandwidth_bytes_per_s / 1e9) + " GB/s";
      option(classSel, id, text);
      if (cpuClassSel) option(cpuClassSel, id, text);
    });
    var chips = [];
    catalog.gpus.forEach(function (g) { if (g.unified && chips.indexOf(g.chip) < 0) chips.push(g.chip); });
    chips.forEach(function (c) { option(chipSel, c, c); });
  }
  function fillMemory(chip, keep) {
    memSel.textContent = "";
    catalog.gpus.forEach(function (g) {
      if (g.unified && g.chip === chip) option(memSel, g.id, gbText(g.memory_bytes));
    });
    if (keep && Array.prototype.some.call(memSel.options, function (o) { return o.value === keep; })) memSel.value = keep;
  }
  function row(id) {
    if (!catalog) return null;
    for (var i = 0; i < catalog.gpus.length; i++) if (catalog.gpus[i].id === id) return catalog.gpus[i];
    return null;
  }
  // the GPU's usual system memory (gpus.yaml host_memory), first shown for a GPU picked
  function usualClass(g) {
    var c = g && catalog.host_memory ? catalog.host_memory[g.host_memory] : null;
    return c && c.bandwidth_bytes_per_s ? g.host_memory : "";
  }
  function showRamClass() {
    classSel.value = usualClass(row(gpuSel.value)) || (classSel.options[0] || {}).value || "";
  }

  function showKind() {
    var k = kind();
    $("llmc-hw-common").hidden = k !== "common";
    $("llmc-hw-custom").hidden = k === "common";
    $("llmc-hw-gpu-part").hidden = k !== "gpu" || !catalog;
    $("llmc-hw-unified-part").hidden = k !== "unified" || !catalog;
    if (cpuRamIn) $("llmc-hw-cpu-part").hidden = k !== "cpu" || !catalog;
    if (k === "common" || catalog) { loading.textContent = ""; return; }
    loading.textContent = "Loading the GPU list…";
    gpus().then(function (c) {
      catalog = c;
      fillCatalog();
      fillFromCurrent();
      showKind();
    }, function (e) {
      loading.textContent = "Could not load the GPU list (" + e.message + "). Choose a common setup instead.";
    });
  }

  // The custom fields from the current choice, else the defaults (RTX 4090; 32 GB of dual-channel
  // DDR5) when the fields are first filled, else what the reader left in them.
  function fillFromCurrent() {
    if (!catalog) return;
    var fresh = firstFill;
    firstFill = false;
    var c = current && current.custom ? current : null, g = c ? row(c.gpu) : null;
    if (g && !g.unified) {
      gpuSel.value = g.id; countIn.value = String(c.count);
      ramIn.value = c.ram_gb === null ? "" : String(c.ram_gb);
      showRamClass();
      if (c.ram_class) classSel.value = c.ram_class;
    } else {
      if ((fresh || !gpuSel.value) && row("rtx-4090")) gpuSel.value = "rtx-4090";
      showRamClass();
    }
    if (cpuRamIn) {
      // CPU only: the RAM and class chosen, else 32 GB of dual-channel DDR5 (a current desktop or laptop)
      var cpu = current && current.cpu_only ? current : null;
      cpuRamIn.value = cpu ? String(cpu.ram_gb) : (cpuRamIn.value || "32");
      var pick = cpu ? cpu.ram_class : (fresh ? "ddr5-dual" : cpuClassSel.value);
      if (Array.prototype.some.call(cpuClassSel.options, function (o) { return o.value === pick; })) cpuClassSel.value = pick;
    }
    var chip = g && g.unified ? g.chip : (chipSel.value || (chipSel.options[0] || {}).value);
    if (chip) { chipSel.value = chip; fillMemory(chip, g && g.unified ? g.id : null); }
  }

  function report(input, message) {
    var err = $(input.id + "-error");
    if (err) err.textContent = message || "";
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    return !message;
  }

  // The dialog's custom choice, or null with a message next to each wrong field.
  function customChoice(engine) {
    var k = kind(), g, count = 1, ram = null;
    if (k === "cpu") {
      var text = cpuRamIn.value.trim();
      var gb = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
      if (!report(cpuRamIn, gb > 0 && gb <= 1e6 ? "" : "A number of GB above 0 (the machine's system RAM).")) return null;
      var mem = catalog.host_memory[cpuClassSel.value];
      if (!mem || !mem.bandwidth_bytes_per_s) return null;
      var cn = cpuLabel(gb, mem.name);
      return { setup: CUSTOM, engine: engine, cpu_only: true, gpu: null, count: 1, ram_gb: gb,
               ram_class: cpuClassSel.value, label: cn[0], short: cn[1] };
    }
    if (k === "unified") {
      g = row(memSel.value);
    } else {
      g = row(gpuSel.value);
      var cv = countIn.value.trim(), rv = ramIn.value.trim();
      count = /^[0-9]+$/.test(cv) ? Number(cv) : NaN;
      var okCount = report(countIn, wholeIn(count, 1, MAX_COUNT) ? "" : "A whole number from 1 to " + MAX_COUNT + ".");
      ram = /^[0-9]+(\.[0-9]+)?$/.test(rv) ? Number(rv) : NaN;
      var okRam = report(ramIn, ram > 0 && ram <= 1e6 ? "" : "A number of GB above 0 (the machine's system RAM).");
      if (!okCount || !okRam) return null;
    }
    if (!g) return null;
    // the memory class is stored only when it is not the GPU's usual one (the plan is the same)
    var cls = !g.unified && classSel.value && classSel.value !== usualClass(g) ? classSel.value : null;
    var names = customLabel(g, count, ram, cls ? catalog.host_memory[cls].name : null);
    return { setup: CUSTOM, engine: engine, gpu: g.id, count: count, ram_gb: g.unified ? null : ram,
             ram_class: cls, label: names[0], short: names[1] };
  }

  function open() {
    if (!dialog || typeof dialog.showModal !== "function") return;
    fillSelect();
    select.value = current && !current.custom ? current.setup : "";
    var engine = current ? current.engine : DEFAULT_ENGINE;
    Array.prototype.forEach.call(form.querySelectorAll("input[name=engine]"), function (r) {
      r.checked = r.value === engine;
    });
    report(countIn, ""); report(ramIn, ""); if (cpuRamIn) report(cpuRamIn, "");
    var k = "common";
    if (current && current.cpu_only) {
      k = "cpu";
    } else if (current && current.custom) {
      k = "gpu";
      var g = row(current.gpu);
      if (g ? g.unified : /^apple-|^ryzen-ai-max/.test(current.gpu)) k = "unified";
    }
    setKind(k);
    fillFromCurrent();
    dialog.returnValue = "";
    dialog.showModal();
    (k === "common" ? select : form.querySelector("input[name=kind]:checked")).focus();
  }

  if (button && dialog && form && select && list.length && typeof dialog.showModal === "function") {
    button.hidden = false;
    button.addEventListener("click", open);
    form.addEventListener("change", function (ev) {
      var t = ev.target;
      if (t.name === "kind") showKind();
      else if (t === chipSel) fillMemory(chipSel.value, null);
      else if (t === gpuSel) showRamClass();
    });
    // "Use this hardware" with a wrong field keeps the dialog open, the message next to the field.
    form.addEventListener("submit", function (ev) {
      var submitter = ev.submitter || document.activeElement;
      if (!submitter || submitter.value !== "save" || kind() === "common") return;
      if (!catalog || !customChoice(DEFAULT_ENGINE)) {
        ev.preventDefault();
        var bad = form.querySelector("[aria-invalid=true]");
        if (bad) bad.focus();
      }
    });
    dialog.addEventListener("close", function () {
      var action = dialog.returnValue;
      if (action === "save") {
        var checked = form.querySelector("input[name=engine]:checked");
        var engine = checked ? checked.value : DEFAULT_ENGINE;
        if (kind() === "common") set(select.value ? { setup: select.value, engine: engine } : null);
        else { var c = customChoice(engine); if (c) set(c); }
      } else if (action === "clear") {
        set(null);
      }
      button.focus();
    });
    showCurrent();
  }

  // what tells one custom setup from another (the key pages cache custom results by)
  function customKey(c) { return [c.cpu_only ? "cpu" : c.gpu, c.count, c.ram_gb, c.ram_class].join("|"); }

  window.LLMCardsHardware = {
    get: function () { return copy(current); },
    set: set,
    setups: function () { return list.slice(); },
    find: find,
    gpus: gpus,
    customLabel: customLabel,
    cpuLabel: cpuLabel,
    customKey: customKey,
    open: open,
    CUSTOM: CUSTOM,
    EVENT: EVENT
  };
})();
