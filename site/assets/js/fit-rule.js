/* The best way to run a model on custom hardware, in the browser: generator/site/fit.py's rule
 * (its docstring states it) on the engine modules engine-llamacpp.js and engine-vllm.js.
 *
 * The 32 common setups have their answers precomputed by the build (api/plans, api/fit); for any
 * other catalog GPU x count (or a unified-memory machine) with the reader's system RAM, this
 * module makes the same choice from the engine inputs of api/calc/models.json and the GPU rows
 * and constants of api/calc/gpus.json (generator/site/exports.calc_gpus). Function by function
 * it follows fit.py (llamacpp_needs, best_llamacpp, vllm_weights, best_vllm, checkpoints,
 * summary) and plans._entry (the entry's status); tests/calc/test_fit_rule_js.py runs it under
 * node against the Python rule over a sample of cards and setups: equal choices and plans.
 *
 * setup: {gpu: a gpus.json row, count: 1.., ram_gb: system RAM in GB (10^9 bytes, --ram-gb) or null,
 *         ram_bandwidth: the bandwidth of the reader's system-memory class (--ram-class), or absent}.
 * The plan is `llmcards plan <model> --engine E --gpu <id> --gpus <count> --ram-gb <ram_gb>
 * [--ram-class <class>]` with the chosen options. No dependencies besides the two engine modules.
 */
(function (root) {
  "use strict";
  // The engine modules, looked up when first needed (a page may load them after this file).
  var E = null, V = null;
  function engines() {
    if (E && V) return;
    if (typeof module !== "undefined" && module.exports) {
      E = require("./engine-llamacpp.js");
      V = require("./engine-vllm.js");
    } else {
      E = root.LLMCardsEngineLlamacpp; V = root.LLMCardsEngineVllm;
    }
    if (!E || !V) throw new Error("fit-rule.js needs engine-llamacpp.js and engine-vllm.js");
  }
  var YES = "yes", OFFLOAD = "offload", NO = "no";

  function PlanError(option, message) { this.option = option; this.message = message; }
  function raise(err) { throw new PlanError(err.option, err.message); }
  function grouped(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }   // Python's f"{n:,}"
  function has(obj, k) { return Object.prototype.hasOwnProperty.call(obj, k); }
  function assign(a, b) { var o = {}, k; for (k in a) o[k] = a[k]; for (k in b) o[k] = b[k]; return o; }

  /** fit.context_for: the rule's context, or the model's maximum when smaller (null: none known). */
  function contextFor(rule, data) {
    var most = data.max_context;
    return most === null || most === undefined ? rule.context : Math.min(rule.context, most);
  }
  function withContext(rule, data, options) {
    var ctx = contextFor(rule, data);
    return ctx === null ? options : assign(options, { context: ctx });
  }
  function bits(rule, q) { return Number(rule.bits_per_weight[q] || 0); }
  function inCatalog(rule, q) { return has(rule.bits_per_weight, q); }

  /** fit.gguf_quants: GGUF_QUANTS that the catalog has, most bits first (a stable sort, as Python's). */
  function ggufQuants(rule) {
    var have = rule.gguf_quants.filter(function (q) { return inCatalog(rule, q); });
    return have.map(function (q, i) { return [q, i]; }).sort(function (a, b) {
      return (bits(rule, b[0]) - bits(rule, a[0])) || (a[1] - b[1]);
    }).map(function (x) { return x[0]; });
  }

  /** fit.checkpoints: vLLM checkpoints to try, best first. */
  function checkpoints(rule, vdata) {
    var nat = vdata.native || "BF16", b = bits(rule, nat);
    var more = b >= 16 ? ["FP8", "AWQ-4bit"] : (b >= 8 ? ["AWQ-4bit"] : []);
    return [nat].concat(more).filter(function (q) { return inCatalog(rule, q); });
  }

  // The engines' plans as the rule asks for them (GPU rows of api/calc/gpus.json).
  // The speed bounds read "bw" and "tflops" of a GPU (calc_inputs.speed_fields, carried in the row's
  // vllm fields) and llama.cpp's "host_bw": the reader's system-memory class when given
  // (--ram-class), else the GPU's usual one (llamacpp.host_bandwidth).
  function llamaGpu(setup) {
    var g = setup.gpu, usualBw = g.ram_bandwidth_bytes_per_s || null, given = setup.ram_bandwidth || null;
    var hostBw = given || usualBw;
    // the words of llamacpp.host_bandwidth: unified memory, a class given other than the GPU's usual one,
    // else the usual class (a class given that is the usual one is named as such)
    var what = g.unified ? "unified memory, the GPU's own bandwidth"
      : given && given !== usualBw ? "the system-memory class given"
      : usualBw ? "system memory class " + g.host_memory : "no system-memory bandwidth known";
    // unified memory: the machine's memory, shared by the GPU's and the host's buffers (calc_inputs.gpu_table)
    var extra = { bw: g.vllm.bw, tflops: g.vllm.tflops, host_bw: hostBw, host_what: what };
    if (g.unified) extra.unified_ram_bytes = g.memory_bytes;
    return assign(g, extra);
  }
  function llamaPlan(data, options, setup) {
    if (setup && setup.cpu_only) {   // --cpu-only --ram-gb N --ram-class C: no GPU row
      var c = E.plan(data, options, null, 1, setup.ram_gb, setup.ram_bandwidth || null);
      if (c.error) raise(c.error);
      return c;
    }
    var r = E.plan(data, options, setup ? llamaGpu(setup) : null, setup ? setup.count : 1, setup ? setup.ram_gb : null);
    if (r.error) raise(r.error);
    return r;
  }
  function vllmGpu(gpu) {
    return assign({ id: gpu.id }, gpu.vllm);
  }
  function vllmPlan(vdata, options, setup) {
    var r = V.plan(vdata, options, setup ? vllmGpu(setup.gpu) : null, setup ? setup.count : 1);
    if (r.error) raise(r.error);
    return r;
  }

  /** fit.Need: the least memory a quantization takes (weights plus KV cache): on_gpus with every
   * layer on the GPUs (the input embedding stays in host memory), total with the host's part. */
  var UNKNOWN_NEED = { on_gpus: 0, total: 0 };   // no plan could be made: never skipped

  /** fit.llamacpp_needs: per GGUF quantization its Need at the rule's context, without hardware;
   * null: no such file; UNKNOWN_NEED: no plan. */
  function llamacppNeeds(rule, data) {
    var out = {};
    ggufQuants(rule).forEach(function (q) {
      var p;
      try { p = llamaPlan(data, withContext(rule, data, { quant: q }), null); }
      catch (e) { if (!(e instanceof PlanError)) throw e; out[q] = e.option === "--quant" ? null : UNKNOWN_NEED; return; }
      var onGpus = (p.devices || []).reduce(function (a, d) { return a + (d.weights_bytes || 0) + (d.kv_cache_bytes || 0); }, 0);
      var host = p.host || {};
      out[q] = { on_gpus: onGpus, total: onGpus + (host.weights_bytes || 0) + (host.kv_cache_bytes || 0) };
    });
    return out;
  }

  /** fit._need */
  function need(needs, q) { return needs[q] || UNKNOWN_NEED; }

  function best(plan, options, fit, why) { return { plan: plan, options: options, fit: fit, why: why }; }

  /** fit.best_llamacpp on a setup with a GPU; ``unified``: no separate system RAM to offload to. */
  function bestLlamacpp(rule, data, setup, unified, needs) {
    needs = needs || llamacppNeeds(rule, data);
    var plannable = ggufQuants(rule).filter(function (q) { return (has(needs, q) ? needs[q] : UNKNOWN_NEED) !== null; });
    if (!plannable.length) {
      throw new PlanError("--quant", "no GGUF file of " + rule.gguf_quants.join(", ") + " exists for " + data.model);
    }
    var gpu = setup.gpu;
    var gpuBytes = Math.floor(setup.count * (gpu.device_memory_bytes || 0) * (gpu.usable_percent || 100) / 100);
    var i, q, options;
    for (i = 0; i < plannable.length; i++) {
      q = plannable[i];
      if (need(needs, q).on_gpus > gpuBytes) continue;   // every layer cannot fit on the GPUs
      options = withContext(rule, data, { quant: q });
      var trial = llamaPlan(data, assign(options, rule.all_on_gpu), setup);
      if (trial.supported === false) return best(trial, options, null, String(trial.unsupported_reason || "not supported"));
      if (trial.fits === true) {
        return best(trial, options, YES, q + ": the most bits per weight that fit entirely on the GPU at " +
                    grouped(options.context || 0) + " tokens");
      }
    }
    var last = plannable[plannable.length - 1];
    if (unified || setup.ram_gb === null || setup.ram_gb === undefined) {
      options = withContext(rule, data, assign({ quant: last }, rule.all_on_gpu));
      return best(llamaPlan(data, options, setup), options, NO, "does not fit even at " + last + " (the fewest bits tried)" +
                  (unified ? "; unified memory: no separate system RAM to offload to" : ""));
    }
    var ramBytes = Math.trunc(setup.ram_gb * 1e9);   // engines.hardware: int(N * 10^9)
    var offloadable = plannable.filter(function (x) { return rule.offload_quants.indexOf(x) >= 0; });
    if (!offloadable.length) offloadable = [last];
    for (i = 0; i < offloadable.length; i++) {
      q = offloadable[i];
      if (need(needs, q).total > gpuBytes + ramBytes) continue;   // not even in GPU memory and RAM together
      options = withContext(rule, data, { quant: q });
      var plan = llamaPlan(data, options, setup);
      if (plan.fits === true) {
        return best(plan, options, OFFLOAD, q + ": no quantization fits on the GPU alone; the most bits from Q4_K_M down " +
                    "that fit with part of the model in system RAM (slower)");
      }
    }
    options = withContext(rule, data, { quant: last });
    var fewest = llamaPlan(data, options, setup);
    return best(fewest, options, NO, noFitWithOffload(fewest, last, ramBytes));
  }

  /** fit._no_fit_with_offload: the GPUs and the RAM together are too small, or the GPUs hold their
   * part and only what stays in system RAM is more than the RAM given. */
  function noFitWithOffload(plan, quant, ramBytes) {
    var gpusHold = (plan.devices || []).every(function (d) {
      return d.capacity_bytes === null || d.capacity_bytes === undefined || (d.total_bytes || 0) <= d.capacity_bytes;
    });
    if (gpusHold && ((plan.host || {}).total_bytes || 0) > ramBytes) {
      return "does not fit even at " + quant + ": what llama.cpp keeps in system RAM is more than the RAM given";
    }
    return "does not fit even at " + quant + " with offload to system RAM";
  }

  /** fit.best_llamacpp_cpu: a machine without a GPU; quantizations from Q4_K_M down, the first whose
   * CPU-only plan fits in the system RAM. */
  function bestLlamacppCpu(rule, data, setup, needs) {
    needs = needs || llamacppNeeds(rule, data);
    var plannable = ggufQuants(rule).filter(function (q) { return (has(needs, q) ? needs[q] : UNKNOWN_NEED) !== null; });
    if (!plannable.length) {
      throw new PlanError("--quant", "no GGUF file of " + rule.gguf_quants.join(", ") + " exists for " + data.model);
    }
    var candidates = plannable.filter(function (x) { return rule.offload_quants.indexOf(x) >= 0; });
    if (!candidates.length) candidates = [plannable[plannable.length - 1]];
    var options;
    if (setup.ram_gb === null || setup.ram_gb === undefined) {
      options = withContext(rule, data, { quant: candidates[0], cpu_only: true });
      return best(llamaPlan(data, options, setup), options, null, candidates[0] + ": no system RAM size given, so the fit is not judged");
    }
    var ram = Math.trunc(setup.ram_gb * 1e9);   // engines.hardware: int(N * 10^9)
    for (var i = 0; i < candidates.length; i++) {
      var q = candidates[i];
      if (need(needs, q).total > ram) continue;   // weights and KV cache alone are more than the RAM
      options = withContext(rule, data, { quant: q, cpu_only: true });
      var plan = llamaPlan(data, options, setup);
      if (plan.supported === false) return best(plan, options, null, String(plan.unsupported_reason || "not supported"));
      if (plan.fits === true) {
        return best(plan, options, YES, q + ": the most bits from Q4_K_M down that fit in system RAM " +
                    "(no GPU: every byte is read from RAM for each token)");
      }
    }
    var last = candidates[candidates.length - 1];
    options = withContext(rule, data, { quant: last, cpu_only: true });
    return best(llamaPlan(data, options, setup), options, NO, "does not fit in system RAM even at " + last);
  }

  /** fit.vllm_weights: per checkpoint the weights on one GPU at tensor parallel 1 (null: no plan). */
  function vllmWeights(rule, vdata) {
    var out = {};
    checkpoints(rule, vdata).forEach(function (q) {
      var p;
      try { p = vllmPlan(vdata, withContext(rule, vdata, { quant: q, tensor_parallel: 1 }), null); }
      catch (e) { if (!(e instanceof PlanError)) throw e; out[q] = null; return; }
      out[q] = p.supported === false ? null
        : (p.devices || []).reduce(function (a, d) { return a + (d.weights_bytes || 0); }, 0);
    });
    return out;
  }

  /** setups.tensor_parallel_sizes: powers of two below ``count``, then ``count``. */
  function tensorParallelSizes(count) {
    var sizes = [];
    for (var size = 1; size < count; size *= 2) sizes.push(size);
    return sizes.concat([count]);
  }

  /** fit.best_vllm. */
  function bestVllm(rule, vdata, setup, weights) {
    weights = weights || vllmWeights(rule, vdata);
    var sizes = tensorParallelSizes(setup.count);
    var memory = setup.gpu.vllm.memory_bytes || 0;
    var quants = checkpoints(rule, vdata);
    var error = null, last = null, options, plan, i, j;
    for (i = 0; i < quants.length; i++) {
      var q = quants[i], w = weights[q];
      for (j = 0; j < sizes.length; j++) {
        var tp = sizes[j];
        if (w && memory && w > rule.prune_margin * memory * tp) continue;   // cannot fit
        options = withContext(rule, vdata, { quant: q, tensor_parallel: tp });
        try { plan = vllmPlan(vdata, options, setup); }
        catch (e) {
          if (!(e instanceof PlanError) || e.option === "--gpu") throw e;
          error = error || e;
          if (e.option.indexOf("tensor") >= 0) continue;   // a size this model's heads do not allow
          break;                                           // no such checkpoint: the next one
        }
        if (plan.supported === false) return best(plan, options, null, String(plan.unsupported_reason || "not supported"));
        last = [plan, options];
        if (plan.fits === true) {
          return best(plan, options, YES, q + ": the best checkpoint that fits, on " +
                      (tp === 1 ? "one GPU" : "tensor parallel over " + tp + " GPUs"));
        }
      }
    }
    var fewest = quants[quants.length - 1];
    for (j = sizes.length - 1; j >= 0; j--) {
      options = withContext(rule, vdata, { quant: fewest, tensor_parallel: sizes[j] });
      try { plan = vllmPlan(vdata, options, setup); }
      catch (e) {
        if (!(e instanceof PlanError) || e.option === "--gpu") throw e;
        error = error || e;
        continue;
      }
      return best(plan, options, NO, "does not fit even as " + fewest + " on " + sizes[j] + " GPU(s)");
    }
    if (last) return best(last[0], last[1], NO, "does not fit even as " + last[1].quant + " on " + last[1].tensor_parallel + " GPU(s)");
    throw error;
  }

  /** fit.Best.choice: the plans file's "choice" object. */
  function choice(b) {
    var s = b.plan.settings || {}, off = b.plan.offload;
    var moved = !!off && typeof off === "object" && String(off.moved === undefined ? "nothing" : off.moved).indexOf("nothing") !== 0;
    return { quant: has(s, "quant") ? s.quant : (b.options.quant === undefined ? null : b.options.quant),
             context: has(s, "context") ? s.context : (b.options.context === undefined ? null : b.options.context),
             tensor_parallel: has(s, "tensor_parallel") ? s.tensor_parallel : null,
             offload: moved, fit: b.fit, options: assign({}, b.options), why: b.why };
  }

  /**
   * plans._entry for a custom setup: {status: "ok" | "unsupported" | "unavailable", reason, plan, choice}.
   * engineData: a model's api/calc/models.json entry ({"llama.cpp": ..., "vllm": ...});
   * rule: gpus.json's "rule"; setup: {gpu: gpus.json row, count, ram_gb}, or a machine without a GPU
   * {cpu_only: true, gpu: null, count: 1, ram_gb, ram_bandwidth} (plans._entry with cpu_only).
   */
  function entry(rule, engineData, engine, setup) {
    engines();
    if (setup.cpu_only && has(rule.needs_gpu || {}, engine)) {
      return { status: "unsupported", reason: rule.needs_gpu[engine], plan: null, choice: null };
    }
    var data = engineData[engine];
    var b;
    try {
      if (!data) throw new PlanError("--engine", "no engine inputs for " + engine);
      if (data.unsupported) {
        return { status: "unsupported", reason: data.unsupported, plan: { supported: false, unsupported_reason: data.unsupported }, choice: null };
      }
      if (setup.cpu_only) b = bestLlamacppCpu(rule, data, setup);
      else b = engine === "vllm" ? bestVllm(rule, data, setup)
        : bestLlamacpp(rule, data, setup, !!setup.gpu.unified);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      if (e.option === "--gpu") return { status: "unsupported", reason: e.message, plan: null, choice: null };
      return { status: "unavailable", reason: e.option + ": " + e.message, plan: null, choice: null };
    }
    if (b.plan.supported === false) return { status: "unsupported", reason: b.plan.unsupported_reason, plan: b.plan, choice: null };
    return { status: "ok", reason: null, plan: b.plan, choice: choice(b) };
  }

  /** fit.summary: one engine's entry as api/fit lists it. */
  function summary(e) {
    if (e.status !== "ok" || !e.plan || !e.choice) return { fit: e.status === "unsupported" ? "unsupported" : "unavailable" };
    var plan = e.plan, c = e.choice;
    var totals = (plan.devices || []).map(function (d) { return d.total_bytes; }).filter(function (t) { return typeof t === "number"; });
    var host = plan.host || {};
    var speed = plan.speed || {};
    return {
      fit: c.fit, quant: c.quant, context: c.context,
      max_context: plan.max_context_that_fits === undefined ? null : plan.max_context_that_fits,
      tp: c.tensor_parallel,
      bytes: totals.length ? totals.reduce(function (a, b) { return a + b; }, 0) : null,
      device_bytes: totals.length ? Math.max.apply(null, totals) : null,
      host_bytes: c.offload && typeof host.total_bytes === "number" ? host.total_bytes : null,
      tps: speed.decode_tokens_per_s_upper_bound === undefined ? null : speed.decode_tokens_per_s_upper_bound
    };
  }

  /** A reader's custom choice (hardware.js: {gpu, count, ram_gb, ram_class}) as the setup this rule
   * takes, from api/calc/gpus.json ("gpus"): a unified-memory machine is one device without separate
   * RAM; a memory class gives the bandwidth of offloaded bytes (--ram-class). Null when the catalog
   * no longer has that GPU or memory class. A CPU-only choice ({cpu_only: true, ram_gb, ram_class})
   * is a machine without a GPU whose RAM is read at its class's bandwidth. */
  function customSetup(gpus, c) {
    if (c.cpu_only) {   // CPU only: its memory class is required (the decode bound reads it)
      var mem = (gpus.host_memory || {})[c.ram_class];
      if (!mem || !mem.bandwidth_bytes_per_s) return null;
      return { cpu_only: true, gpu: null, count: 1, ram_gb: c.ram_gb, ram_bandwidth: mem.bandwidth_bytes_per_s };
    }
    var row = null;
    gpus.gpus.forEach(function (g) { if (g.id === c.gpu) row = g; });
    if (!row) return null;
    var cls = c.ram_class && !row.unified ? (gpus.host_memory || {})[c.ram_class] : null;
    if (c.ram_class && !row.unified && !(cls && cls.bandwidth_bytes_per_s)) return null;
    var setup = { gpu: row, count: row.unified ? 1 : c.count, ram_gb: row.unified ? null : c.ram_gb };
    if (cls) setup.ram_bandwidth = cls.bandwidth_bytes_per_s;
    return setup;
  }

  var api = { entry: entry, summary: summary, customSetup: customSetup, contextFor: contextFor, ggufQuants: ggufQuants, checkpoints: checkpoints,
              tensorParallelSizes: tensorParallelSizes, llamacppNeeds: llamacppNeeds, vllmWeights: vllmWeights,
              YES: YES, OFFLOAD: OFFLOAD, NO: NO };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (root) { root.LLMCardsFitRule = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null));
