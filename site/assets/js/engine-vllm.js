/* llmcards live calculator, vLLM: the browser side of generator/calc/engines/vllm/ (planner.py plan).
 *
 * Input: a model's vLLM data (generator/site/calc_inputs.py vllm_inputs: per tensor-parallel size,
 * the weights on one GPU per checkpoint quantization, the profile run's activation peak at vLLM's
 * two batch defaults and the KV-cache layout per cache width, all computed by Python) and the GPU
 * fields of calc_inputs.vllm_gpu_fields. Only plan()'s assembly is repeated here, under the same
 * names (layer_blocks, blocks_per_request, request_bytes, kv_capacity, max_model_len_that_fits),
 * following v1/core/kv_cache_utils.py and v1/worker/gpu_worker.py as the Python package cites them, with each
 * release line's start check and printed tokens as constants.KV_RULES says (vllm.KV_RULES).
 * Options the calculator does not offer keep vLLM's defaults (max_num_batched_tokens,
 * max_num_seqs, CUDA graphs on, the MXFP4 kernel vLLM picks). tests/calc/test_engine_js.py runs
 * this under node against engines.plan() over every registry card: equal numbers. No dependencies.
 */
(function (root) {
  "use strict";

  function check(n) {
    if (!Number.isSafeInteger(n)) throw new Error("not an exact whole number: " + n);
    return n;
  }
  function floorDiv(a, b) { return Math.floor(a / b); }
  function cdiv(a, b) { return -floorDiv(-a, b); }   // Python's -(-a // b)

  function PlanError(option, message) { this.option = option; this.message = message; }

  /** Python's round(x, 2) for x >= 0: the exact value of the double, ties to even (toFixed breaks
   * ties upwards, so an exact tie is settled here). */
  function round2(x) {
    var exact = x.toFixed(100), dot = exact.indexOf(".");
    var tie = exact[dot + 3] === "5" && /^0*$/.test(exact.slice(dot + 4));
    if (!tie) return Number(x.toFixed(2));
    var down = exact.slice(0, dot + 3);
    var last = Number(exact[dot + 2]);
    return last % 2 === 0 ? Number(down) : Number((Number(down) + 0.01).toFixed(2));
  }

  /** vllm.layer_blocks: blocks one layer keeps for one max_model_len request. */
  function layerBlocks(window, blockSize, maxModelLen, batched) {
    if (window === null) return cdiv(maxModelLen, blockSize);
    return cdiv(Math.min(window - 1 + batched, maxModelLen), blockSize) + 1;
  }
  /** vllm.blocks_per_request: the sum over the groups (a hybrid model's state group takes state_blocks). */
  function blocksPerRequest(lay, maxModelLen, batched) {
    return lay.groups.reduce(function (a, w) { return a + layerBlocks(w, lay.block_size, maxModelLen, batched); }, 0) +
      lay.state_groups * lay.state_blocks;
  }
  /** vllm.request_bytes: KV bytes the start check says one request needs (rules: vllm.KV_RULES of the line). */
  function requestBytes(lay, maxModelLen, batched, rules) {
    if (rules.grouped_check) return lay.page_bytes * lay.group_size * blocksPerRequest(lay, maxModelLen, batched);
    return lay.layers.reduce(function (a, wn) {
      return a + wn[1] * layerBlocks(wn[0], lay.block_size, maxModelLen, batched) * lay.page_bytes;
    }, 0) + lay.state_layers * lay.page_bytes;
  }
  /** vllm.checked_memory: the budget the start check compares one request with (less the null block). */
  function checkedMemory(lay, available, rules) {
    return rules.null_block_held ? available - lay.page_bytes * lay.group_size : available;
  }
  /** vllm.kv_capacity: blocks, tokens, concurrency, bytes allocated, one request's need, whether vLLM starts. */
  function kvCapacity(lay, available, maxModelLen, batched, rules) {
    var perBlock = lay.page_bytes * lay.group_size;
    var numBlocks = floorDiv(Math.max(available, 0), perBlock);
    var need = blocksPerRequest(lay, maxModelLen, batched);
    var concurrency = numBlocks / need;
    var tokens;
    if (rules.tokens_from_concurrency) {
      tokens = Math.trunc(concurrency * maxModelLen);   // Python's int(): the same double product
    } else {
      var smallest = lay.block_size;
      if (lay.state_groups) smallest = lay.groups.length ? Math.min(lay.block_size, maxModelLen) : maxModelLen;
      tokens = floorDiv(numBlocks, lay.groups.length + lay.state_groups) * smallest;
    }
    var needed = requestBytes(lay, maxModelLen, batched, rules);
    return { num_blocks: numBlocks, tokens: tokens, max_concurrency: concurrency,
             allocated: numBlocks * perBlock, needed_one_request: needed,
             start_ok: available > 0 && needed <= checkedMemory(lay, available, rules) };
  }
  // engines.largest_that_fits
  function largestThatFits(lo, hi, ok) {
    if (!ok(lo)) return null;
    while (lo < hi) { var mid = floorDiv(lo + hi + 1, 2); if (ok(mid)) lo = mid; else hi = mid - 1; }
    return lo;
  }
  /** vllm.max_model_len_that_fits: the largest max_model_len whose one request passes the start check; 0 when none. */
  function maxModelLenThatFits(lay, available, most, batched, rules) {
    var budget = checkedMemory(lay, available, rules);
    return largestThatFits(1, most, function (n) { return requestBytes(lay, n, batched, rules) <= budget; }) || 0;
  }

  /**
   * The plan (the numbers of engines.plan(card, catalogs, "vllm", settings, hardware)).
   * settings: {quant (null: as shipped), context (null: the model's), kv_dtype ("auto" | "fp8" ...),
   *            parallel (n), tensor_parallel (null: as many GPUs as the heads allow), gpu_memory_utilization}
   * gpu: {id, ...calc_inputs.vllm_gpu_fields row} or null; count: how many.
   * Returns the plan's fields, or {error: {option, message}}.
   */
  function plan(data, settings, gpu, count) {
    try { return planOrThrow(data, settings, gpu, count); }
    catch (e) { if (e instanceof PlanError) return { error: { option: e.option, message: e.message } }; throw e; }
  }

  // vllm.resolve: every option as vLLM resolves it for this model and GPU (vllm.Setup), or a
  // PlanError; the site offers no --enforce-eager, --cudagraph-estimate on or Model Runner V2 on line 0.21.
  function resolve(data, settings, gpu, count) {
    var K = data.constants;
    var release = settings.vllm_version || K.DEFAULT_RELEASE;   // vllm.RELEASE_LINES: the rules' release line
    var allowed = data.allowed_tp;
    var tp = settings.tensor_parallel || null;
    if (tp) {
      if (allowed.indexOf(tp) < 0) {
        throw new PlanError("--tensor-parallel", tp + ": vLLM's tensor-parallel size must divide the " + data.heads +
          " attention heads and divide, or be a multiple of, the " + data.kv_heads + " key/value heads; allowed: " + allowed.join(", "));
      }
    } else {   // as many of the GPUs as the heads allow
      var n = gpu ? count : 1;
      tp = Math.max.apply(null, allowed.filter(function (d) { return d <= n; }));
    }
    if (gpu) {
      if (gpu.apple) throw new PlanError("--gpu", gpu.id + ": vLLM's GPU engine runs on NVIDIA (CUDA) and AMD (ROCm) GPUs, not Apple silicon; choose an NVIDIA or AMD --gpu");
      if (count < tp) throw new PlanError("--gpus", count + ": --tensor-parallel " + tp + " needs " + tp + " GPUs");
    }
    // vllm._max_model_len: the smaller of config.json's length and the card's
    var most = data.most;
    var configLen = data.config_len || most || null;
    var defaultLen = most && configLen ? Math.min(most, configLen) : (most || null);
    var context = settings.context || defaultLen;
    if (context === null) throw new PlanError("--context", "the card gives no maximum context; give a context");
    if (most && context > most) throw new PlanError("--context", context + " is above the model's maximum of " + most + " tokens");

    var quantId = settings.quant || data.native || "BF16";
    var q = data.quants[quantId];
    if (!q) throw new PlanError("--quant", quantId + ": no such checkpoint vLLM can load for " + data.model);
    var kvDtype = settings.kv_dtype || "auto";
    if (K.KV_DTYPES.indexOf(kvDtype) < 0) throw new PlanError("--kv-dtype", kvDtype + ": allowed: " + K.KV_DTYPES.join(", "));
    // "auto" is the model dtype: BF16/FP16, or FP32 for a checkpoint loaded in FP32
    var kvBytes = kvDtype.indexOf("fp8") === 0 ? 1 : (q.fp32 && kvDtype === "auto" ? 4 : 2);
    // the site's data holds the default line and the current one (calc_inputs.vllm_inputs); the CLI plans the others
    if (!data.activation_peak[release]) throw new PlanError("--vllm-version", release + ": the browser follows vLLM " +
      K.DEFAULT_RELEASE + " and " + K.MRV2_ONLY_LINES.join(", ") + "; llmcards plan --vllm-version " + release + " plans this line");
    var v2Only = K.MRV2_ONLY_LINES.indexOf(release) >= 0;   // vllm.MRV2_ONLY_LINES: Model Runner V2 is the runner
    if (settings.cudagraph_estimate === "on") throw new PlanError("--cudagraph-estimate", "on: the browser plans " +
      "with vLLM's CUDA graph estimate off; llmcards plan --cudagraph-estimate on gives the upper bounds");
    if (settings.model_runner === "v2" && !v2Only) throw new PlanError("--model-runner", "v2: the browser plans Model " +
      "Runner V1 on this line; llmcards plan --model-runner v2 plans Model Runner V2");
    // DeepSeek-V3.2 (vllm.dsa_kv_bytes): fp8 means fp8_ds_mla, bfloat16 the BF16 latent; auto is
    // fp8_ds_mla on the 0.11 line (v0.11.0) and the BF16 model dtype on later lines (PR #27121)
    if (data.dsa) kvBytes = kvDtype === "auto" ? (release === "0.11" ? 1 : 2) : (kvDtype === "bfloat16" ? 2 : 1);
    // vllm._batch_sizes: vLLM's batch defaults by device memory; the >= 160 GiB tier on the current line only
    var huge = v2Only && gpu ? gpu.huge : false;
    var large = gpu ? (gpu.large || huge) : false;
    return {
      tp: tp, context: context, most: most, quantId: quantId, q: q, release: release, v2Only: v2Only,
      kvDtype: kvDtype, kvBytes: kvBytes, util: settings.gpu_memory_utilization || K.UTILIZATIONS[release],
      parallel: settings.parallel || 1, totalMem: gpu ? gpu.memory_bytes : null,
      tier: huge ? 2 : (large ? 1 : 0),   // the index of these defaults in the exported activation peaks
      batched: huge ? K.BATCHED_TOKENS_HUGE : (large ? K.BATCHED_TOKENS_LARGE : K.BATCHED_TOKENS_SMALL),
      seqs: large ? K.MAX_SEQS_LARGE : K.MAX_SEQS_SMALL
    };
  }

  // The KV layout for this width and line (vllm.kv_layout, exported per TP size and cache width).
  function kvLayoutOf(data, s, gpu) {
    var layouts = data.kv_layouts[String(s.tp)];
    // a hybrid model's recurrent state is in the model dtype: 4 bytes for an FP32 checkpoint
    var key = s.q.fp32 && layouts[s.kvBytes + "/fp32"] ? s.kvBytes + "/fp32" : String(s.kvBytes);
    var layout = layouts[key];
    if (!s.v2Only) return layout;
    // the line's own attention block (vllm.BLOCK_SIZES): its block size and page, the rest alike
    var lineData = data.lines[s.release];
    var bp = lineData.kv_blocks[String(s.tp)][key];
    // a hybrid model's state pages per request (vllm.state_blocks: the 'align' Mamba cache mode)
    var sb = lineData.state_blocks ? lineData.state_blocks[gpu ? gpu.gdn_generation : "hopper"] : 1;
    return Object.assign({}, layout, { block_size: bp[0], page_bytes: bp[1], state_blocks: sb });
  }

  // vllm.kv_cache: the KV budget, its blocks and tokens, and whether vLLM starts.
  function kvCache(K, s, layout, nonKv) {
    var rules = K.KV_RULES[s.release];
    if (s.totalMem === null) {   // no GPU: the KV cache of the requests that must fit at once, the least vLLM starts with
      return { budget: null, tokens: null, concurrency: null, kvAlloc: s.parallel * requestBytes(layout, s.context, s.batched, rules),
               fits: null, maxFit: null };
    }
    var budget = Math.trunc(s.totalMem * s.util) - nonKv;   // Python's int(total_mem * util): the same double product
    var res = kvCapacity(layout, budget, s.context, s.batched, rules);
    var fits = res.start_ok && res.num_blocks >= s.parallel * blocksPerRequest(layout, s.context, s.batched);
    var noRoomForContext = K.CUDA_CONTEXT_BYTES + (s.totalMem * s.util) > s.totalMem;
    if (noRoomForContext) fits = false;
    var maxFit = budget > 0 ? maxModelLenThatFits(layout, budget, s.most ? s.most : s.context, s.batched, rules) : 0;
    // the budget, not the context, is what fails: no max_model_len starts
    if (budget <= 0 || noRoomForContext) maxFit = 0;
    return { budget: budget, tokens: res.tokens, concurrency: round2(res.max_concurrency), kvAlloc: res.allocated,
             fits: fits, maxFit: maxFit || null };
  }

  // vllm._speed: one sequence at max_model_len reads one GPU's active weights and its KV share
  // (and its recurrent state, for a hybrid model).
  function speedBounds(data, s, gpu, layout) {
    var speed = { decode_tokens_per_s_upper_bound: null, prefill_tokens_per_s_upper_bound: null, basis: "" };
    if (!gpu) { speed.basis = "no GPU given"; return speed; }
    var activeByFamily = s.q.active_weights[String(s.tp)];
    var activeW = activeByFamily.any !== undefined ? activeByFamily.any : activeByFamily[gpu.family];
    var kvRead = layout.per_token_bytes * s.context + layout.state_bytes;
    if (layout.top_k) {   // sparse attention: every indexer key, only the top-k latents
      kvRead = layout.indexer_token_bytes * s.context +
        (layout.per_token_bytes - layout.indexer_token_bytes) * Math.min(s.context, layout.top_k);
    }
    speed.decode_tokens_per_s_upper_bound = gpu.bw / (activeW + kvRead);
    if (gpu.tflops && data.active_params) {
      speed.prefill_tokens_per_s_upper_bound = gpu.tflops * 1e12 * s.tp / (2 * data.active_params);
    }
    speed.basis = "decode: one sequence at max_model_len reads each GPU's active weights and its KV share " +
      "per token, at the GPU's peak bandwidth" + (s.tp > 1 ? "; tensor parallel: an upper bound that assumes perfect scaling over " +
      s.tp + " GPUs (all-reduce costs ignored)" : "") +
      "; prefill: 2 FLOPs per active parameter per token at the GPU's dense FP16 peak" +
      (speed.prefill_tokens_per_s_upper_bound ? "" : " (not in the catalog: no bound)");
    return speed;
  }

  // vllm.command: the browser plans with vLLM's CUDA graph estimate off (it offers no
  // --cudagraph-estimate on), so the command turns it off and keeps the Model Runner V1 the rules follow.
  function command(data, s, layout) {
    var K = data.constants;
    var cmd = ["vllm serve " + data.hf_repo, "--max-model-len " + s.context];
    if (K.ESTIMATE_LINES.indexOf(s.release) >= 0) cmd.unshift(K.CUDAGRAPH_ESTIMATE_OFF);
    if (K.ESTIMATE_LINES.indexOf(s.release) >= 0 && !s.v2Only) cmd.unshift(K.MODEL_RUNNER_V1);
    if (s.tp > 1) cmd.push("--tensor-parallel-size " + s.tp);
    cmd.push("--gpu-memory-utilization " + pyG(s.util));
    // vllm.checkpoint_of "online": the published BF16 weights converted as they load
    if (!data.native && K.ONLINE_QUANT_FLAGS[s.quantId]) cmd.push(K.ONLINE_QUANT_FLAGS[s.quantId]);
    if (s.kvDtype !== "auto") cmd.push("--kv-cache-dtype " + s.kvDtype);
    if (s.v2Only) cmd.push(K.EXTENSIBLE_KV_OFF);   // v0.34's KV cache sized from the profile run, as planned
    // a hybrid model keeps one state page per request on the lines that plan prefix caching off
    if (layout.state_layers && K.PREFIX_CACHING_OFF_LINES.indexOf(s.release) >= 0) cmd.push(K.PREFIX_CACHING_OFF);
    return cmd.join(" ");
  }

  // vllm.plan, in vLLM's order: the weights, the profiled activation peak, the non-torch memory,
  // the rest of the budget to the KV cache, then the CUDA graphs in the slack.
  function planOrThrow(data, settings, gpu, count) {
    if (data.unsupported) return { supported: false, unsupported_reason: data.unsupported };
    var K = data.constants;
    // engines._check_common first: a context given must be within the model's maximum
    if (settings.context && data.max_context !== null && settings.context > data.max_context) {
      throw new PlanError("--context", settings.context + " is more than the model's maximum of " + data.max_context + " tokens");
    }
    // vllm.unsupported for the line: a model the line does not plan (engines.plan checks it after the context)
    var lineReason = (data.unsupported_lines || {})[settings.vllm_version || K.DEFAULT_RELEASE];
    if (lineReason) return { supported: false, unsupported_reason: lineReason };
    var s = resolve(data, settings, gpu, count);

    var byFamily = s.q.weights[String(s.tp)];
    var weights = byFamily.any !== undefined ? byFamily.any : byFamily[gpu ? gpu.family : "hopper"];
    weights += s.batched * (data.topk_buffer_per_token || 0);   // DeepSeek-V3.2's top-k index buffer, loaded with the model
    var act = data.activation_peak[s.release][String(s.tp)][s.tier];
    // Model Runner V2's per-slot sampler state counts with the non-torch memory (vllm.mrv2_sampler_buffers)
    var runnerBuffers = s.v2Only ? data.lines[s.release].runner_buffers[s.tier] : 0;
    var nonTorch = K.NON_TORCH_BYTES + (s.tp > 1 ? K.NCCL_TP_BYTES[s.release] : 0) + runnerBuffers;
    var graphs = K.CUDA_GRAPH_BYTES;
    var layout = kvLayoutOf(data, s, gpu);
    var cache = kvCache(K, s, layout, weights + act + nonTorch);

    var components = { weights: weights, activation_peak: act, non_torch: nonTorch, cuda_graph: graphs };
    if (cache.budget !== null) {   // the budget before v0.21's CUDA graph estimate (turned off in the command)
      components.kv_budget = cache.budget; components.kv_cache_memory = cache.budget;
      components.kv_cache_tokens = cache.tokens; components.max_concurrency = cache.concurrency;
    }
    var overhead = nonTorch + graphs + K.CUDA_CONTEXT_BYTES;
    var deviceTotal = weights + cache.kvAlloc + act + overhead;
    var fits = cache.fits, maxFit = cache.maxFit;
    // CUDA graphs are captured after the KV cache: over the memory, no max_model_len starts
    if (s.totalMem !== null && fits && deviceTotal > s.totalMem) { fits = false; maxFit = null; }
    var devices = [];
    for (var i = 0; i < s.tp; i++) {
      devices.push({ name: "GPU " + i, gpu: gpu ? gpu.id : null, weights_bytes: check(weights), kv_cache_bytes: check(cache.kvAlloc),
                     compute_buffer_bytes: check(act), overhead_bytes: overhead, total_bytes: check(deviceTotal),
                     capacity_bytes: s.totalMem });
    }
    return {
      supported: true,
      settings: { quant: s.quantId, context: s.context, kv_dtype: s.kvDtype, parallel: s.parallel, tensor_parallel: s.tp,
                  gpu_memory_utilization: s.util, max_num_batched_tokens: s.batched, max_num_seqs: s.seqs,
                  enforce_eager: false, vllm_version: s.release, mxfp4_backend: "auto", cudagraph_estimate: "off",
                  model_runner: s.v2Only ? "v2" : "v1" },
      devices: devices,
      host: { weights_bytes: 0, kv_cache_bytes: 0, compute_buffer_bytes: 0, total_bytes: 0 },
      kv_cache_bytes_per_token: layout.per_token_bytes * s.tp,
      fits: fits,
      max_context_that_fits: maxFit,
      kv_cache_capacity_tokens: cache.tokens,
      max_concurrency: cache.concurrency,
      offload: null,
      components: components,
      command: command(data, s, layout),
      speed: speedBounds(data, s, gpu, layout)
    };
  }

  // Python's format(x, "g") for the utilization (a fraction such as 0.9 or 0.85): six significant digits.
  function pyG(x) { return String(Number(x.toPrecision(6))); }

  var api = { plan: plan, round2: round2 };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (root) { root.LLMCardsEngineVllm = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null));
