// The reader's hardware and the api/fit lists, for "What can I run?", the models index and
// compare (generator/site/exports.write_fit writes api/fit/index.json and api/fit/<setup>.json).
// The choice lives in localStorage "llmcards.hardware" as {"setup": id, "engine": "llama.cpp" | "vllm"};
// when the site's hardware.js is loaded its window.LLMCardsHardware is used instead (one place:
// `hardware` below).
(function (root) {
  "use strict";
  var KEY = "llmcards.hardware";
  var EVENT = "llmcards:hardware";
  var hardware = root.LLMCardsHardware || {
    get: function () {
      try { return JSON.parse(root.localStorage.getItem(KEY) || "null"); } catch (e) { return null; }
    },
    set: function (obj) {
      try { root.localStorage.setItem(KEY, JSON.stringify(obj)); } catch (e) { /* storage off: this page only */ }
      document.dispatchEvent(new CustomEvent(EVENT, { detail: obj }));
    }
  };
  var ENGINES = { "llama.cpp": "llama.cpp", vllm: "vLLM" };
  // generator/site/whatrun.FIT_TEXT
  var FIT_TEXT = { yes: "Fits on the GPU", offload: "Fits with offload to RAM", no: "Does not fit",
                   unsupported: "Not supported", unavailable: "No plan" };
  var cache = {};
  function json(url) {
    if (!cache[url]) {
      cache[url] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error("cannot load " + url + ": " + r.status);
        return r.json();
      });
    }
    return cache[url];
  }
  // The reader's choice completed with the site's defaults: {setup, engine, chosen: bool}.
  function current(index) {
    var c = hardware.get() || {};
    var ok = index.setups.some(function (s) { return s.id === c.setup; });
    return { setup: ok ? c.setup : index.default, engine: ENGINES[c.engine] ? c.engine : index.engine, chosen: ok };
  }
  // A <select> of the setups, grouped as the picker groups them.
  function fillSetups(select, index, value) {
    select.textContent = "";
    var groups = {};
    index.setups.forEach(function (s) {
      var g = groups[s.group];
      if (!g) { g = groups[s.group] = document.createElement("optgroup"); g.label = s.group; select.appendChild(g); }
      var o = document.createElement("option");
      o.value = s.id; o.textContent = s.label; g.appendChild(o);
    });
    select.value = value;
  }
  function rankText(rank, ranked) {
    if (rank === null || rank === undefined) return "unranked";
    return ranked ? "#" + rank + " of " + ranked : "#" + rank;
  }
  root.LLMCardsFit = {
    hardware: hardware, EVENT: EVENT, ENGINES: ENGINES, FIT_TEXT: FIT_TEXT, current: current, fillSetups: fillSetups,
    rankText: rankText,
    index: function (base) { return json(base + "api/fit/index.json"); },
    list: function (base, setup) { return json(base + "api/fit/" + encodeURIComponent(setup) + ".json"); },
    runs: function (s) { return !!s && (s.fit === "yes" || s.fit === "offload"); }
  };
})(window);
