/* "Will it run?" panel of a model page: the engines' plans for the hardware the reader picks.
 * The page carries the default setup's plans, rendered at build (generator/templates/plan_panel.html);
 * this script reads the model's api/plans/<org>/<model>.json and builds the same markup for the
 * setup picked, with generator/site/plans.py's words and the shared number formats (format.js).
 * The setup follows the reader's hardware (the header's "My hardware", assets/js/hardware.js). For
 * custom hardware (a catalog GPU x count with the reader's RAM, or a unified-memory machine) no file
 * has the plans: answer.js works them out in the browser (fit-rule.js, the same rule and entries as
 * the plans file) and this panel shows them in full, under a "Your hardware" option. A machine
 * without a GPU ("CPU only") gets llama.cpp's --cpu-only plan and, for vLLM, the rule's
 * "needs a GPU" reason (fit.NEEDS_GPU) instead of numbers.
 * Card and plan text only ever reaches the page as textContent, never as markup.
 */
(function () {
  "use strict";
  var F = window.LLMCardsFormat;
  var HW = window.LLMCardsHardware;   // the reader's hardware (assets/js/hardware.js), when present
  var root = document.getElementById("will-it-run");
  if (!root || !F) return;
  var select = document.getElementById("plan-setup");
  var results = document.getElementById("plan-results");
  var nameEl = document.getElementById("plan-setup-name");
  var COLUMNS = [["weights_bytes", "Weights"], ["kv_cache_bytes", "KV cache"], ["compute_buffer_bytes", "Compute"],
                 ["overhead_bytes", "Overhead"], ["total_bytes", "Total"], ["capacity_bytes", "Capacity"]];
  var LABELS = { "llama.cpp": "llama.cpp", "vllm": "vLLM" };
  // beside the command of a plan that does not fit (plans.py NO_FIT_COMMAND)
  var NO_FIT_COMMAND = "The command this plan would run. It does not fit this hardware, so the engine would stop at start-up.";
  var data = null;      // the plans file, once loaded

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function verdict(entry, hasHardware) {
    if (entry.status === "unsupported") {
      return ["unsupported", "Not supported: " + (entry.reason || "this engine cannot run this model")];
    }
    if (entry.status !== "ok" || !entry.plan) return ["unavailable", "No plan: " + (entry.reason || "unknown reason")];
    if (entry.plan.fits === true) return ["fits", "Fits"];
    if (entry.plan.fits === false) return ["no-fit", "Does not fit"];
    return hasHardware ? ["unknown", "Fit unknown"] : ["needs", "Memory needed (no hardware chosen)"];
  }

  function isInt(v) { return typeof v === "number" && Number.isInteger(v); }

  function settingsText(s) {
    if (!s || typeof s !== "object") return null;
    var parts = [];
    if (s.cpu_only === true) parts.push("CPU only (no GPU)");
    if (s.quant) parts.push(String(s.quant));
    if (isInt(s.context)) parts.push(F.tokens(s.context) + " context");
    if (s.kv_dtype) parts.push(s.kv_dtype + " KV cache");
    if (isInt(s.tensor_parallel) && s.tensor_parallel > 1) parts.push("tensor parallel " + s.tensor_parallel);
    return parts.length ? parts.join(" · ") : null;
  }

  // a device table cell (plans.py _cell): bytes in GB, the capacity in GB and GiB
  function cellText(key, bytes) { return key === "capacity_bytes" ? F.capacity(bytes) : F.gb(bytes); }

  function row(name, d) {
    var tr = el("tr");
    tr.appendChild(el("th", name, { scope: "row" }));
    COLUMNS.forEach(function (c) { tr.appendChild(el("td", cellText(c[0], d[c[0]]))); });
    return tr;
  }

  // The System RAM row (plans.py host_row): overhead does not apply, capacity is the setup's RAM.
  function hostRow(host, ramBytes) {
    var tr = el("tr");
    tr.appendChild(el("th", "System RAM", { scope: "row" }));
    COLUMNS.forEach(function (c) {
      var text = c[0] === "overhead_bytes" ? F.NA : c[0] === "capacity_bytes" ? F.capacity(ramBytes) : F.gb(host[c[0]]);
      tr.appendChild(el("td", text));
    });
    return tr;
  }

  function offloadText(offload) {
    if (!offload || typeof offload !== "object" || Array.isArray(offload)) return null;
    if (typeof offload.moved === "string") return "Offload: " + offload.moved;
    var items = Object.keys(offload).sort().filter(function (k) {
      var v = offload[k];
      return v !== null && typeof v !== "object";
    }).map(function (k) {
      var v = offload[k];
      var text = (/_bytes$/.test(k) && typeof v === "number") ? F.gb(v) : F.value(v);
      return k.replace(/_bytes$/, "").replace(/_/g, " ") + " " + text;
    });
    return items.length ? "Offloaded to system RAM: " + items.join(" · ") : null;
  }

  function block(engine, entry, hasHardware, ramBytes) {
    var v = verdict(entry, hasHardware), plan = entry.plan;
    var div = el("div", null, { "class": "llmc-plan", "data-engine": engine, "data-state": v[0] });
    div.appendChild(el("h3", LABELS[engine] || engine));
    div.appendChild(el("p", v[1], { "class": "llmc-plan-verdict", "data-state": v[0] }));
    if (!plan || typeof plan !== "object") return div;
    if (v[0] !== "unsupported") {
      var settings = settingsText(plan.settings);
      if (settings) div.appendChild(el("p", settings, { "class": "llmc-plan-settings" }));
      var devices = plan.devices || [];
      var host = plan.host || {};
      // a CPU-only plan (no devices) still has its System RAM row
      if (devices.length || host.total_bytes) {
        var wrap = el("div", null, { "class": "llmc-scroll" });
        var table = el("table", null, { "class": "llmc-plan-devices" });
        var head = el("tr");
        head.appendChild(el("th", "Device"));
        COLUMNS.forEach(function (c) { head.appendChild(el("th", c[1])); });
        table.appendChild(el("thead")).appendChild(head);
        var body = table.appendChild(el("tbody"));
        devices.forEach(function (d) { body.appendChild(row(String(d.name === undefined ? "" : d.name), d)); });
        if (host.total_bytes) {
          var h = hostRow(host, ramBytes);
          h.className = "llmc-plan-host";
          body.appendChild(h);
        }
        wrap.appendChild(table);
        div.appendChild(wrap);
      }
      var off = offloadText(plan.offload);
      if (off) div.appendChild(el("p", off, { "class": "llmc-plan-offload" }));
      var speed = plan.speed || {};
      var facts = [["Max context that fits", F.fittingContext(plan.max_context_that_fits, plan.fits)]];
      if (plan.kv_cache_capacity_tokens !== null && plan.kv_cache_capacity_tokens !== undefined) {
        facts.push(["KV cache capacity", F.exact(plan.kv_cache_capacity_tokens) + " tokens"]);
      }
      if (plan.max_concurrency !== null && plan.max_concurrency !== undefined) {
        facts.push(["Max concurrency", F.ratio(plan.max_concurrency)]);
      }
      var runs = v[0] !== "no-fit";  // a plan that does not fit has no speed, and its command would stop at start-up
      if (runs) {
        facts.push(["Decode speed, upper bound", F.rate(speed.decode_tokens_per_s_upper_bound)]);
        facts.push(["Prefill speed, upper bound", F.rate(speed.prefill_tokens_per_s_upper_bound)]);
      }
      var dl = el("dl", null, { "class": "llmc-plan-facts" });
      facts.forEach(function (f) {
        var item = dl.appendChild(el("div"));
        item.appendChild(el("dt", f[0]));
        item.appendChild(el("dd", f[1]));
      });
      div.appendChild(dl);
      if (runs && speed.basis) div.appendChild(el("p", speed.basis, { "class": "llmc-plan-note" }));
      if (plan.command) {
        if (!runs) div.appendChild(el("p", NO_FIT_COMMAND, { "class": "llmc-plan-note llmc-plan-command-note" }));
        var cmd = el("div", null, { "class": "llmc-plan-command" });
        cmd.appendChild(el("pre")).appendChild(el("code", plan.command));
        if (runs) cmd.appendChild(el("button", "Copy", { type: "button", "class": "llmc-copy" }));
        div.appendChild(cmd);
      }
      var assumptions = plan.assumptions || [];
      if (assumptions.length) {
        var det = el("details", null, { "class": "llmc-assumptions" });
        det.appendChild(el("summary", "Assumptions"));
        var ul = det.appendChild(el("ul"));
        assumptions.forEach(function (a) { ul.appendChild(el("li", a)); });
        div.appendChild(det);
      }
    }
    if (plan.engine_basis) div.appendChild(el("p", "Rules follow " + plan.engine_basis + ".", { "class": "llmc-plan-note" }));
    return div;
  }

  // hardware.js's choice says itself whether it is custom hardware (its "custom" flag)
  var CUSTOM = HW ? HW.CUSTOM : "custom";
  function isCustom(c) { return !!(c && c.custom); }

  /** Both engines' entries for custom hardware, as the plans file would hold them. */
  function renderEntries(entries, ramBytes) {
    results.textContent = "";
    Object.keys(LABELS).forEach(function (engine) {
      if (entries[engine]) results.appendChild(block(engine, entries[engine], true, ramBytes));
    });
  }

  /** The select's "Your hardware" option for a custom choice (removed when the choice is not custom). */
  function customOption(choice) {
    var group = select.querySelector("optgroup[data-custom]");
    if (!isCustom(choice)) { if (group) group.remove(); return; }
    if (!group) {
      group = el("optgroup", null, { label: "Your hardware", "data-custom": "" });
      select.insertBefore(group, select.firstChild);
    }
    group.textContent = "";
    group.appendChild(el("option", choice.label || choice.gpu, { value: CUSTOM }));
  }

  function showCustom(choice) {
    var A = window.LLMCardsAnswer;
    var key = HW.customKey(choice);
    if (results.getAttribute("data-setup") === CUSTOM && results.getAttribute("data-custom") === key) return;
    results.setAttribute("aria-busy", "true");
    results.setAttribute("data-setup", CUSTOM);
    results.setAttribute("data-custom", key);
    var failed = function (message) {
      results.textContent = "";
      results.appendChild(el("p", "Could not work out the plans for this hardware (" + message + ").",
                             { "class": "llmc-plan-verdict", "data-state": "unavailable" }));
      results.setAttribute("data-custom", "");
    };
    var work = A ? A.customEntries(choice) : Promise.reject(new Error("this page cannot work out plans for custom hardware"));
    work.then(function (r) {
      if (results.getAttribute("data-custom") !== key) return;   // the reader chose again meanwhile
      if (!r) failed("this model has no engine inputs");
      else renderEntries(r.entries, r.ram_bytes);
    }, function (err) { failed(err.message); }).then(function () { results.removeAttribute("aria-busy"); });
  }

  function render(setupId) {
    var plans = (data && data.plans && data.plans[setupId]) || {};
    var engines = (data && data.engines) || [];
    var setup = ((data && data.setups) || []).filter(function (s) { return s.id === setupId; })[0];
    var hasHardware = !!(setup && setup.gpu);
    results.textContent = "";
    engines.forEach(function (engine) {
      if (plans[engine]) results.appendChild(block(engine, plans[engine], hasHardware, setup ? setup.ram_bytes : null));
    });
    results.setAttribute("data-setup", setupId);
    results.removeAttribute("data-custom");
  }

  function load() {
    if (data) return Promise.resolve(data);
    return fetch(root.getAttribute("data-plans-url")).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (json) { data = json; return data; });
  }

  function show(setupId) {
    if (results.getAttribute("data-setup") === setupId) return;
    results.setAttribute("aria-busy", "true");
    load().then(function () { render(setupId); }, function (err) {
      results.textContent = "";
      results.appendChild(el("p", "Could not load the plans for this hardware (" + err.message + ").",
                             { "class": "llmc-plan-verdict", "data-state": "unavailable" }));
      results.setAttribute("data-setup", "");
    }).then(function () { results.removeAttribute("aria-busy"); });
  }

  // Copy buttons: the command text of their block.
  root.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest(".llmc-copy") : null;
    if (!btn) return;
    var code = btn.parentNode.querySelector("code");
    var done = function (ok) { btn.textContent = ok ? "Copied" : "Select and copy"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code.textContent).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  });

  // the page's own copy buttons wait hidden for this script (without it they could not copy)
  Array.prototype.forEach.call(root.querySelectorAll(".llmc-copy"), function (b) { b.hidden = false; });

  select.hidden = false;
  if (nameEl) nameEl.hidden = true;

  function has(setupId) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === setupId; });
  }

  // The reader's hardware (the header's "My hardware", assets/js/hardware.js) picks the setup;
  // picking one here changes it for every page. "none" (what the model needs) forgets it.
  // The plans file (50+ KB) is fetched when the panel comes near the screen, not with the page:
  // the answer at the top of the page needs none of it.
  var pending = null;
  function whenNear(fn) {
    if (!("IntersectionObserver" in window)) { fn(); return; }
    pending = fn;
    var io = new IntersectionObserver(function (entries) {
      if (!entries.some(function (e) { return e.isIntersecting; })) return;
      io.disconnect();
      var run = pending;
      pending = null;
      if (run) run();
    }, { rootMargin: "200px 0px" });
    io.observe(root);
  }

  function follow(choice) {
    customOption(choice);
    if (isCustom(choice)) {
      select.value = CUSTOM;
      whenNear(function () { showCustom(choice); });
      return;
    }
    var setupId = choice && has(choice.setup) ? choice.setup : null;
    if (setupId && setupId !== select.value) {
      select.value = setupId;
      whenNear(function () { show(select.value); });
    }
  }

  select.addEventListener("change", function () {
    var current = HW ? HW.get() : null;
    if (select.value === CUSTOM) {
      if (isCustom(current)) showCustom(current);
      return;
    }
    if (HW && select.value !== "none" && HW.find(select.value)) {
      HW.set({ setup: select.value, engine: current ? current.engine : "llama.cpp" });
    } else if (HW && select.value === "none") {
      HW.set(null);
    }
    show(select.value);
  });
  if (HW) {
    follow(HW.get());
    document.addEventListener(HW.EVENT, function (ev) { follow(ev.detail); });
  }
})();
