/* "Run it" on a model page: the answer for the reader's hardware (site/assets/js/hardware.js).
 *
 * For a common setup the page embeds one compact answer per setup and engine (#llmc-answers,
 * written by generator/site/answer.py from the same plans record as api/plans/<org>/<model>.json),
 * all text already formatted in Python; this script only places it, as textContent.
 * For custom hardware (any catalog GPU x count with the reader's RAM, a unified-memory machine, or
 * a machine without a GPU: "CPU only")
 * the answer is worked out here: fit-rule.js (generator/site/fit.py's rule, loaded then) on the
 * model's engine inputs the page already carries for its live calculator (#ecalc-data) and the
 * GPU rows of api/calc/gpus.json; customAnswer() words it as answer.entry_answer does, with the
 * shared format rules (format.js). A page without engine inputs (a model whose weights are not
 * published has no live calculator) still answers custom hardware with what holds on any hardware:
 * the engines that cannot run the model, with the reason (#llmc-answers "unsupported",
 * answer.unsupported_anywhere). Without a chosen setup the page keeps what the build rendered
 * (smallest common GPU per format).
 */
(function () {
  "use strict";
  var HW = window.LLMCardsHardware;
  var body = document.getElementById("llmc-answer-body");
  var none = document.getElementById("llmc-answer-none");
  if (!HW || !body || !none) return;
  var data = { setups: {}, meanings: {} };
  try {
    var script = document.getElementById("llmc-answers");
    if (script) data = JSON.parse(script.textContent) || data;
  } catch (e) { /* no answers: the no-hardware view stays */ }
  var LABELS = { "llama.cpp": "llama.cpp", "vllm": "vLLM" };
  var section = document.getElementById("run-it");
  var base = section ? section.getAttribute("data-base") || "" : "";

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  function quant(q) {
    var meaning = (data.meanings || {})[q];
    return meaning ? el("abbr", q, { title: meaning }) : el("span", q);
  }

  function fact(dl, label, value) {
    var row = dl.appendChild(el("div"));
    row.appendChild(el("dt", label));
    var dd = row.appendChild(el("dd"));
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = value;
    return dd;
  }

  function engineBlock(engine, a) {
    var div = el("div", null, { "class": "llmc-answer-plan", "data-engine": engine, "data-state": a.state });
    div.appendChild(el("p", a.verdict, { "class": "llmc-answer-verdict", "data-state": a.state }));
    if (!a.quant) return div;
    var dl = div.appendChild(el("dl", null, { "class": "llmc-answer-facts" }));
    fact(dl, "Quantization", quant(a.quant));
    fact(dl, "Context", a.context + (a.max_context && a.max_context !== a.context && a.max_context !== "unknown" ? " (longest that fits: " + a.max_context + ")" : ""));
    fact(dl, "Engine", (LABELS[engine] || engine) + (a.tp ? ", tensor parallel " + a.tp : "") + ", " + a.kv + " KV cache");
    if (a.offload) fact(dl, "Offload", a.offload);
    var mem = (a.devices || []).map(function (d) { return d[0] + ": " + d[1]; }).join(" · ");
    if (mem) fact(dl, "Memory per device", mem);
    // a plan that does not fit has no speed bound and no command (answer.entry_answer)
    if (a.decode) fact(dl, "Decode speed", "at most " + a.decode + " (upper bound)");
    if (a.why) div.appendChild(el("p", a.why, { "class": "llmc-answer-why" }));
    if (a.command) {
      var cmd = div.appendChild(el("div", null, { "class": "llmc-answer-command" }));
      // the command names the published checkpoint; the plan needs one published apart
      if (a.checkpoint) cmd.appendChild(el("p", a.checkpoint, { "class": "llmc-answer-checkpoint" }));
      cmd.appendChild(el("pre")).appendChild(el("code", a.command));
      var row = cmd.appendChild(el("div", null, { "class": "llmc-copy-row" }));
      row.appendChild(el("button", "Copy command", { type: "button", "class": "llmc-answer-copy" }));
      row.appendChild(el("span", "", { "class": "llmc-copy-status", role: "status" }));
    }
    return div;
  }

  // -- custom hardware: the answer worked out in the browser -----------------------------------
  /** plans.verdict (with hardware): [state, sentence]. */
  function verdict(entry) {
    if (entry.status === "unsupported") return ["unsupported", "Not supported: " + (entry.reason || "this engine cannot run this model")];
    if (entry.status !== "ok" || !entry.plan) return ["unavailable", "No plan: " + (entry.reason || "unknown reason")];
    if (entry.plan.fits === true) return ["fits", "Fits"];
    if (entry.plan.fits === false) return ["no-fit", "Does not fit"];
    return ["unknown", "Fit unknown"];
  }
  /** answer.checkpoint_note: the caveat beside a vLLM command whose checkpoint is published apart
   * from the one the command names (vllm.checkpoint_kind "other", as engine-vllm.js's command reads it:
   * not the published one, nor the published BF16 one converted as it loads). vdata: the model's
   * vLLM inputs (native: its published quantization, null for BF16; constants.ONLINE_QUANT_FLAGS). */
  function checkpointNote(quantId, vdata, command) {
    if (!quantId || !vdata || typeof command !== "string") return null;
    var native = vdata.native || null, online = (vdata.constants || {}).ONLINE_QUANT_FLAGS || {};
    if (quantId === (native || "BF16")) return null;                                   // "published"
    if (!native && Object.prototype.hasOwnProperty.call(online, quantId)) return null;  // "online"
    var served = /\bvllm serve (\S+)/.exec(command);
    return "Needs a checkpoint of this model in " + quantId + ", published apart: put its repository " +
      (served ? "in place of " + served[1] : "in place of the one the command names") + ".";
  }
  /** answer.entry_answer: one engine's entry (fit-rule.js) as the box shows it, all text.
   * vdata: the model's vLLM inputs for a vLLM entry (checkpointNote), else null. */
  function customAnswer(entry, ramBytes, vdata) {
    var F = window.LLMCardsFormat, v = verdict(entry), out = { state: v[0], verdict: v[1] };
    var plan = entry.plan;
    if (out.state === "unsupported" || out.state === "unavailable" || !plan) return out;
    var settings = plan.settings || {}, choice = entry.choice || {}, speed = plan.speed || {};
    var tp = settings.tensor_parallel;
    if (out.state === "fits" && choice.fit === "offload") out.verdict = "Fits with offload to system RAM";
    var devices = (plan.devices || []).map(function (d) {
      var used = F.gb(d.total_bytes);
      return [String(d.name || ""), d.capacity_bytes === null || d.capacity_bytes === undefined ? used : used + " of " + F.capacity(d.capacity_bytes)];
    });
    var host = plan.host || {};
    if (host.total_bytes) devices.push(["System RAM", ramBytes === null ? F.gb(host.total_bytes) : F.gb(host.total_bytes) + " of " + F.capacity(ramBytes)]);
    var off = plan.offload;
    out.quant = String(choice.quant || settings.quant || F.UNKNOWN);
    out.context = F.tokens(typeof settings.context === "number" ? settings.context : null);
    out.max_context = F.fittingContext(plan.max_context_that_fits, plan.fits);
    out.kv = String(settings.kv_dtype || F.UNKNOWN);
    out.tp = typeof tp === "number" && tp > 1 ? tp : null;
    out.offload = off && typeof off.moved === "string" ? off.moved : null;   // plans.offload_text without "Offload: "
    out.devices = devices;
    var runs = out.state !== "no-fit";   // no speed bound and no command for a plan that does not fit
    out.decode = runs ? F.rate(speed.decode_tokens_per_s_upper_bound === undefined ? null : speed.decode_tokens_per_s_upper_bound) : null;
    out.command = runs ? plan.command : null;
    out.checkpoint = runs ? checkpointNote(settings.quant || choice.quant, vdata, plan.command) : null;
    out.why = choice.why;
    return out;
  }
  // the model's engine inputs, in the page's live calculator further down (read once the page is parsed)
  var engineData;
  function inputs() {
    if (engineData === undefined) {
      try {
        var ecalc = document.getElementById("ecalc-data");
        engineData = ecalc ? JSON.parse(ecalc.textContent).engines : null;
      } catch (e) { engineData = null; }
    }
    return engineData;
  }
  /** Without engine inputs: the engines that cannot run the model on any hardware, as engine inputs
   * that say so (fit-rule.js's entry reads "unsupported" first); null when there are none. */
  function unsupportedInputs() {
    var reasons = data.unsupported || {}, out = null;
    Object.keys(reasons).forEach(function (engine) {
      if (LABELS[engine]) (out = out || {})[engine] = { engine: engine, unsupported: reasons[engine] };
    });
    return out;
  }
  /** fit-rule.js's entry() for inputs that are all "unsupported" (unsupportedInputs), without the
   * engine modules such a page does not load: a machine without a GPU first gets the rule's
   * "needs a GPU" reason, as there; an engine without inputs is "unavailable", as there. */
  function unsupportedEntry(rule, inputs, engine, setup) {
    var needsGpu = rule.needs_gpu || {};
    if (setup.cpu_only && Object.prototype.hasOwnProperty.call(needsGpu, engine)) {
      return { status: "unsupported", reason: needsGpu[engine], plan: null, choice: null };
    }
    var d = inputs[engine];
    if (!d) return { status: "unavailable", reason: "--engine: no engine inputs for " + engine, plan: null, choice: null };
    return { status: "unsupported", reason: d.unsupported, plan: { supported: false, unsupported_reason: d.unsupported }, choice: null };
  }
  var gpusJson = null, ruleLoaded = null;
  function loadRule() {
    if (!ruleLoaded) {
      ruleLoaded = new Promise(function (resolve, reject) {
        if (window.LLMCardsFitRule) { resolve(); return; }
        var sc = document.createElement("script");
        sc.src = base + "assets/js/fit-rule.js";
        sc.onload = resolve;
        sc.onerror = function () { ruleLoaded = null; reject(new Error("cannot load fit-rule.js")); };
        document.head.appendChild(sc);
      });
    }
    return ruleLoaded;
  }
  function ready() {
    return new Promise(function (resolve) {
      if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", resolve);
      else resolve();
    });
  }
  /** Both engines' plans for a custom choice, as fit-rule.js's entry() gives them (the shape of a
   * plans-file entry: status, reason, plan, choice): a promise of {entries: {engine: entry}, ram_bytes,
   * vllm: the model's vLLM inputs or null} (null: no engine inputs, and no engine unsupported anywhere).
   * The "Will it run?" panel (plan.js) shows the same entries in full. */
  var computed = {};
  function customEntries(choice) {
    var key = HW.customKey(choice);
    if (computed[key]) return computed[key];
    computed[key] = ready().then(function () {
      return Promise.all([loadRule(), gpusJson || (gpusJson = HW.gpus())]);
    }).then(function (r) {
      var gpus = r[1], R = window.LLMCardsFitRule, engineData = inputs(), closed = null;
      if (!engineData) closed = unsupportedInputs();
      if (!closed && (!engineData || !window.LLMCardsEngineLlamacpp || !window.LLMCardsEngineVllm || !window.LLMCardsFormat)) return null;
      var setup = R.customSetup(gpus, choice);
      if (!setup) {
        throw new Error((choice.cpu_only ? "CPU only" : choice.gpu) + (choice.ram_class ? " with " + choice.ram_class : "") +
                        " is not in this site's catalog; choose your hardware again");
      }
      var ram = setup.ram_gb === null ? null : Math.trunc(setup.ram_gb * 1e9);   // as --ram-gb
      var entries = {};
      Object.keys(LABELS).forEach(function (engine) {
        entries[engine] = closed ? unsupportedEntry(gpus.rule, closed, engine, setup) : R.entry(gpus.rule, engineData, engine, setup);
      });
      return { entries: entries, ram_bytes: ram, vllm: engineData ? engineData.vllm || null : null };
    });
    computed[key].catch(function () { delete computed[key]; });
    return computed[key];
  }
  window.LLMCardsAnswer = { customEntries: customEntries };

  /** Both engines' answers for a custom choice: a promise of {engine: answer} (null: no engine inputs). */
  function customRow(choice) {
    return customEntries(choice).then(function (r) {
      if (!r) return null;
      var out = {};
      Object.keys(r.entries).forEach(function (engine) {
        out[engine] = customAnswer(r.entries[engine], r.ram_bytes, engine === "vllm" ? r.vllm : null);
      });
      return out;
    });
  }

  function showRow(box, choice, row) {
    if (!row || !row[choice.engine]) {
      box.appendChild(el("p", "No engine plan for this model on this hardware.", { "class": "llmc-answer-verdict", "data-state": "unavailable" }));
      return;
    }
    var a = row[choice.engine];
    box.appendChild(engineBlock(choice.engine, a));
    var other = choice.engine === "vllm" ? "llama.cpp" : "vllm";
    if ((a.state === "unsupported" || a.state === "no-fit") && row[other] && row[other].state === "fits") {
      box.appendChild(el("p", (LABELS[other] || other) + " runs it on this hardware:", { "class": "llmc-answer-other" }));
      box.appendChild(engineBlock(other, row[other]));
    }
  }

  var rendering = 0;
  function render(choice) {
    var mine = ++rendering;
    Array.prototype.forEach.call(body.querySelectorAll(".llmc-answer-chosen"), function (n) { n.remove(); });
    var custom = !!(choice && choice.custom);
    var setup = choice ? (custom ? { id: "custom", label: choice.label } : HW.find(choice.setup)) : null;
    none.hidden = !!setup;
    body.setAttribute("data-setup", setup ? setup.id : "");
    body.setAttribute("data-engine", choice ? choice.engine : "");
    body.removeAttribute("data-state");
    if (!setup) return;
    var box = el("div", null, { "class": "llmc-answer-chosen" });
    var head = box.appendChild(el("p", null, { "class": "llmc-answer-for" }));
    head.appendChild(document.createTextNode("On "));
    head.appendChild(el("strong", setup.label));
    head.appendChild(document.createTextNode(" with " + (LABELS[choice.engine] || choice.engine) + " "));
    head.appendChild(el("button", "Change", { type: "button", "class": "llmc-hw-choose llmc-link-button",
                                              "aria-label": "Change hardware or engine" }));
    var slot = box.appendChild(el("div", null, { "class": "llmc-answer-slot" }));
    if (!custom) {
      showRow(slot, choice, (data.setups || {})[setup.id]);
    } else {
      body.setAttribute("data-state", "computing");
      slot.appendChild(el("p", "Working out the best way to run it on this hardware…", { "class": "llmc-answer-loading" }));
      customRow(choice).then(function (row) {
        if (mine !== rendering) return;
        slot.textContent = "";
        showRow(slot, choice, row);
        body.setAttribute("data-state", "ready");
      }, function (e) {
        if (mine !== rendering) return;
        slot.textContent = "";
        slot.appendChild(el("p", "Could not work out the answer (" + e.message + ").", { "class": "llmc-answer-verdict", "data-state": "unavailable" }));
        body.setAttribute("data-state", "error");
      });
    }
    var more = box.appendChild(el("p", null, { "class": "llmc-answer-more" }));
    if (document.getElementById("will-it-run")) {
      more.appendChild(el("a", "Both engines in detail", { href: "#will-it-run" }));
      more.appendChild(document.createTextNode(" · "));
    }
    more.appendChild(el("a", "Memory at other settings", { href: "#system-requirements" }));
    body.appendChild(box);
  }

  body.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t || !t.closest) return;
    if (t.closest(".llmc-hw-choose")) { HW.open(); return; }
    var btn = t.closest(".llmc-answer-copy");
    if (!btn) return;
    var code = btn.closest(".llmc-answer-command").querySelector("code");
    var status = btn.parentNode.querySelector(".llmc-copy-status");
    var done = function (ok) { status.textContent = ok ? "Copied" : "Copy failed: select the command and copy it"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code.textContent).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  });

  var choose = none.querySelector(".llmc-answer-choose");
  if (choose && HW.setups().length) choose.hidden = false;
  render(HW.get());
  document.addEventListener(HW.EVENT, function (ev) { render(ev.detail); });
})();
