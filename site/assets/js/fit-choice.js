// The reader's hardware and the lists of what runs on it, for "What can I run?", the models index
// and compare. For the common setups the build wrote the lists (generator/site/exports.write_fit:
// api/fit/index.json and api/fit/<setup>.json); for custom hardware (any catalog GPU x count with
// the reader's RAM, or a unified-memory machine; hardware.js) the list is computed here, in the
// browser, with fit-rule.js (generator/site/fit.py's rule on the engine modules) from
// api/calc/gpus.json and api/calc/models.json (exports.write_calc), which are loaded, with the
// three scripts, only then.
// The choice lives in localStorage "llmcards.hardware" (hardware.js documents the shape); when the
// site's hardware.js is loaded its window.LLMCardsHardware is used instead (one place: `hardware`).
(function (root) {
  "use strict";
  var KEY = "llmcards.hardware";
  var EVENT = "llmcards:hardware";
  var CUSTOM = "custom";
  var hardware = root.LLMCardsHardware || {
    get: function () {
      try { return JSON.parse(root.localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
    },
    set: function (obj) {
      try { root.localStorage.setItem(KEY, JSON.stringify(obj)); } catch (e) { /* storage off: this page only */ }
      document.dispatchEvent(new CustomEvent(EVENT, { detail: obj }));
    },
    customKey: function (c) { return [c.cpu_only ? "cpu" : c.gpu, c.count, c.ram_gb, c.ram_class].join("|"); }
  };
  var ENGINES = { "llama.cpp": "llama.cpp", vllm: "vLLM" };
  // generator/site/whatrun.FIT_TEXT
  var FIT_TEXT = { yes: "Fits on the GPU", offload: "Fits with offload to RAM", no: "Does not fit",
                   unsupported: "Not supported", unavailable: "No plan" };
  // A machine without a GPU ("CPU only"): "yes" means the whole plan fits in system RAM, and the
  // memory it needs is the system RAM's (api/fit's host_bytes; no device holds anything).
  var CPU_YES = "Fits in system RAM (CPU only)";
  /** The words of a summary's fit in a list (a CPU-only list words "yes" as CPU_YES). */
  function fitText(fit, list) { return list && list.cpu_only && fit === "yes" ? CPU_YES : FIT_TEXT[fit]; }
  /** The memory a summary needs there: the devices' total, or on a CPU-only list the system RAM's. */
  function memory(s, list) {
    var b = list && list.cpu_only ? s.host_bytes : s.bytes;
    return b === undefined ? null : b;
  }
  var cache = {};
  function json(url) {
    if (!cache[url]) {
      cache[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("cannot load " + url + ": " + r.status);
        return r.json();
      });
      cache[url].catch(function () { delete cache[url]; });   // a later call tries again
    }
    return cache[url];
  }
  var scripts = {};
  function script(url) {
    if (!scripts[url]) {
      scripts[url] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = url;
        s.onload = resolve;
        s.onerror = function () { delete scripts[url]; reject(new Error("cannot load " + url)); };
        document.head.appendChild(s);
      });
    }
    return scripts[url];
  }
  function isCustom(c) { return !!c && c.setup === CUSTOM && (typeof c.gpu === "string" || c.cpu_only === true); }
  // Which hardware a list is for: a custom choice's key (hardware.js customKey: GPU, count, RAM and
  // memory class), or a common setup's id.
  function customKey(c) { return hardware.customKey(c); }
  function key(cur) { return cur.custom ? customKey(cur.custom) : cur.setup; }

  // The reader's choice completed with the site's defaults: {setup, engine, chosen: bool, custom}.
  // setup is "custom" for custom hardware (custom: the choice, hardware.js's shape), else a
  // common setup's id (the site's default when none is chosen).
  function current(index) {
    var c = hardware.get() || {};
    var engine = ENGINES[c.engine] ? c.engine : index.engine;
    if (isCustom(c)) return { setup: CUSTOM, engine: engine, chosen: true, custom: c };
    var ok = index.setups.some(function (s) { return s.id === c.setup; });
    return { setup: ok ? c.setup : index.default, engine: engine, chosen: ok, custom: null };
  }
  // A <select> of the setups, grouped as the picker groups them; with ``custom`` (a custom
  // choice) first an option "custom" for it.
  function fillSetups(select, index, value, custom) {
    select.textContent = "";
    if (isCustom(custom)) {
      var g0 = document.createElement("optgroup");
      g0.label = "Your hardware";
      var o0 = document.createElement("option");
      o0.value = CUSTOM; o0.textContent = custom.label;
      g0.appendChild(o0);
      select.appendChild(g0);
    }
    var groups = {};
    index.setups.forEach(function (s) {
      var g = groups[s.group];
      if (!g) { g = groups[s.group] = document.createElement("optgroup"); g.label = s.group; select.appendChild(g); }
      var o = document.createElement("option");
      o.value = s.id; o.textContent = s.label; g.appendChild(o);
    });
    select.value = value;
  }
  // What a page's own setup select saves: the common setup picked, or the custom choice kept.
  function choose(select, engine) {
    var c = hardware.get();
    if (select.value === CUSTOM && isCustom(c)) {
      var o = {};
      Object.keys(c).forEach(function (k) { o[k] = c[k]; });
      o.engine = engine;
      return hardware.set(o);
    }
    return hardware.set({ setup: select.value, engine: engine });
  }
  function rankText(rank, ranked) {
    if (rank === null || rank === undefined) return "unranked";
    return ranked ? "#" + rank + " of " + ranked : "#" + rank;
  }

  // -- custom hardware: the list computed in the browser ---------------------------------------
  // The engine modules and the rule (loaded once), the GPU rows and rule constants, every model's
  // engine inputs.
  function calc(base) {
    return Promise.all([
      script(base + "assets/js/engine-llamacpp.js").then(function () { return script(base + "assets/js/engine-vllm.js"); })
        .then(function () { return script(base + "assets/js/fit-rule.js"); }),
      json(base + "api/calc/gpus.json"), json(base + "api/calc/models.json")
    ]).then(function (r) { return { gpus: r[1], models: r[2].models }; });
  }
  /** Both engines' api/fit summaries of one model's engine inputs on a custom setup. */
  function summaries(rule, engineData, setup) {
    var R = root.LLMCardsFitRule, out = {};
    Object.keys(ENGINES).forEach(function (engine) {
      out[engine] = engineData ? R.summary(R.entry(rule, engineData, engine, setup)) : { fit: "unavailable" };
    });
    return out;
  }
  var lists = {};
  /**
   * The api/fit/<setup>.json shape for custom hardware: the models' facts from the default
   * setup's list, each engine's summary computed here. ``progress(text)`` is told what is loading.
   * The result also says how long the computation took (ms) and how many models it covered.
   */
  function customList(base, index, c, progress) {
    var k = customKey(c);
    if (lists[k]) return lists[k];
    if (progress) progress("Loading the engine inputs of every model to work out what runs on " + c.label + "…");
    lists[k] = Promise.all([calc(base), json(base + "api/fit/" + encodeURIComponent(index.default) + ".json")])
      .then(function (r) {
        var data = r[0], facts = r[1];
        var setup = root.LLMCardsFitRule.customSetup(data.gpus, c);   // loaded by calc()
        if (!setup) throw new Error((c.cpu_only ? "CPU only" : c.gpu) + (c.ram_class ? " with " + c.ram_class : "") + " is not in this site's catalog; choose your hardware again");
        if (progress) progress("Working out the best way to run " + facts.models.length + " models on " + c.label + "…");
        var t0 = (root.performance || Date).now();
        var models = facts.models.map(function (m) {
          var o = {};
          Object.keys(m).forEach(function (k) { o[k] = m[k]; });
          o.engines = summaries(data.gpus.rule, data.models[m.id], setup);
          return o;
        });
        var ms = (root.performance || Date).now() - t0;
        return { api_version: facts.api_version, setup: { id: CUSTOM, label: c.label }, context: data.gpus.rule.context,
                 ranked: facts.ranked, models: models, computed_ms: ms, cpu_only: !!setup.cpu_only };
      });
    lists[k].catch(function () { delete lists[k]; });
    return lists[k];
  }
  /** The list for a current() value: the build's file for a common setup, else computed. */
  function listFor(base, index, choice, progress) {
    if (choice.setup === CUSTOM && choice.custom) return customList(base, index, choice.custom, progress);
    return json(base + "api/fit/" + encodeURIComponent(choice.setup) + ".json");
  }

  root.LLMCardsFit = {
    hardware: hardware, EVENT: EVENT, ENGINES: ENGINES, FIT_TEXT: FIT_TEXT, CUSTOM: CUSTOM, current: current,
    fitText: fitText, memory: memory,
    fillSetups: fillSetups, choose: choose, key: key, rankText: rankText,
    index: function (base) { return json(base + "api/fit/index.json"); },
    list: function (base, setup) { return json(base + "api/fit/" + encodeURIComponent(setup) + ".json"); },
    listFor: listFor, customList: customList, calc: calc, summaries: summaries,
    json: json, script: script,
    runs: function (s) { return !!s && (s.fit === "yes" || s.fit === "offload"); }
  };
})(window);
