/* llmcards live calculator, llama.cpp: the browser side of generator/calc/engines/llamacpp/ (planner.py plan).
 *
 * Input: a model's engine data (generator/site/calc_inputs.py engine_inputs: per-layer weight
 * bytes per GGUF quantization, KV values per cell and layer, activation widths, contexts and
 * llama.cpp's constants, all computed by Python) and a GPU row of calc_inputs.gpu_table (the
 * capacity one device offers llama.cpp). Only the assembly arithmetic of that package is repeated
 * here, function by function under the same names (cells, place, layout, _fits, _auto_offload,
 * _max_context, _moved, _command); the llama.cpp sources each rule follows are cited there and
 * below. Every quantity is a whole number of bytes below 2^53, so Numbers are exact; check()
 * throws otherwise. tests/calc/test_engine_js.py runs this file under node against
 * engines.plan() over every registry card and a grid of settings and GPUs: equal numbers; and
 * the --cpu-only plan (no GPU: everything in system RAM, fits judged against the RAM, decode
 * bound at the memory class's bandwidth, _cpu_speed) over every card and several RAM sizes.
 * No dependencies.
 */
(function (root) {
  "use strict";

  function check(n) {
    if (!Number.isSafeInteger(n)) throw new Error("not an exact whole number: " + n);
    return n;
  }
  function floorDiv(a, b) { return Math.floor(a / b); }   // Python's // on non-negative whole numbers
  function sum(xs) { return xs.reduce(function (a, b) { return a + b; }, 0); }

  /** [[value, count], ...] (calc_inputs.rle) -> the list. */
  function unrle(pairs) {
    var out = [];
    pairs.forEach(function (p) { for (var i = 0; i < p[1]; i++) out.push(p[0]); });
    return out;
  }

  function PlanError(option, message) { this.option = option; this.message = message; }

  // ggml's GGML_PAD: n rounded up to a multiple of `to`.
  function pad(n, to) { return floorDiv(n + to - 1, to) * to; }

  /** llama_context::llama_context and llama_kv_cache_iswa::llama_kv_cache_iswa (llamacpp.cells). */
  function cells(K, context, parallel, unified, ubatch, batch, nSwa, swaFull) {
    var nCtx = pad(context, K.PAD);
    var nBatch = Math.min(nCtx, batch);
    var nUbatch = Math.min(nBatch, ubatch);
    var nCtxSeq, nStream;
    if (unified) { nCtxSeq = nCtx; nStream = 1; }
    else { nCtxSeq = pad(floorDiv(nCtx, parallel), K.PAD); nStream = parallel; nCtx = nCtxSeq * parallel; }
    var swa = (nSwa === null || swaFull) ? nCtxSeq
      : pad(Math.min(nCtxSeq, nSwa * (unified ? parallel : 1) + nUbatch), K.PAD);
    return { n_ctx: nCtx, n_ctx_seq: nCtxSeq, n_stream: nStream, swa: swa, n_ubatch: nUbatch,
             of: function (isSwa) { return (isSwa ? swa : nCtxSeq) * nStream; } };
  }

  // ggml_row_size: bytes of `values` values of a [block_weights, block_bytes] type.
  function rowBytes(values, type) { return floorDiv(values * type[1], type[0]); }

  // The widths of the compute graph's activations (llamacpp.Shape: src/llama-graph.cpp).
  function attention(K, sh, tokens, nKv, flashAttn) {
    var width = 2 * sh.hidden + 2 * sh.q + floorDiv(3 * sh.kv, 2) + sh.attn_out;
    var scores = flashAttn ? 0 : nKv * sh.heads;
    return Math.max(K.F32 * tokens * (width + scores), indexerPeak(K, sh, tokens, nKv));
  }
  // DeepSeek-V3.2's lightning indexer (llamacpp.Shape.indexer): its queries and the F32 scores of
  // every indexer head against every cached key, twice (the product and its contiguous copy).
  function indexerPeak(K, sh, tokens, nKv) {
    if (!sh.idx_heads) return 0;
    return K.F32 * tokens * (2 * sh.hidden + sh.idx_heads * sh.idx_dim + 2 * nKv * sh.idx_heads);
  }
  function ffnPeak(K, sh, tokens) {
    var inner = Math.max(sh.ffn, sh.moe_ffn);
    return K.F32 * tokens * (2 * sh.hidden + 2 * inner + 3 * sh.n_expert);
  }
  function outputAct(K, sh, tokens) { return K.F32 * tokens * (sh.vocab + sh.hidden); }

  /** llama-model.cpp llama_model::load_tensors since PR #18148 (llamacpp.place): without a split
   * identical GPUs share the units equally; a split (-ts, shares per GPU) gives unit il to the first
   * device whose cumulative share exceeds (il - start) / ngl.
   * Returns {n_gpu_layers, cpu_moe_layers, device_of, experts_on_cpu}. */
  function place(nLayer, nGpus, ngl, cpuMoe, split) {
    ngl = Math.max(0, Math.min(ngl, nLayer + 1));
    var start = nLayer + 1 - ngl;
    var cumulative = [];
    if (split) {
      var total = sum(split), acc = 0;
      split.forEach(function (x) { acc += x; cumulative.push(acc / total); });
    }
    var devices = [];
    for (var il = 0; il < nLayer + 1; il++) {
      if (nGpus === 0 || il < start || il - start >= ngl) devices.push(null);
      else if (!split) devices.push(Math.min(nGpus - 1, floorDiv((il - start) * nGpus, ngl)));
      else {
        var frac = (il - start) / ngl, d = 0;
        while (d < nGpus - 1 && !(cumulative[d] > frac)) d++;
        devices.push(d);
      }
    }
    var experts = [];
    for (il = 0; il < nLayer; il++) experts.push(il < cpuMoe || devices[il] === null);
    return { n_gpu_layers: ngl, cpu_moe_layers: cpuMoe, device_of: devices, experts_on_cpu: experts };
  }

  /** The printed CPU_Mapped model buffer with mmap (llamacpp.mapped_host_weights). */
  function mappedHostWeights(lw, pl, resident) {
    var nLayer = lw.dense.length;
    for (var il = 0; il < nLayer; il++) {
      if (!(pl.device_of[il] === null || pl.experts_on_cpu[il])) return resident;
    }
    var outputInFile = lw.tied ? lw.output - lw.output_matrix : lw.output;
    var span = lw.token_embd + sum(lw.dense) + sum(lw.experts);
    return span + (pl.device_of[nLayer] === null ? outputInFile : 0);
  }

  /** llamacpp.layout: weights, KV cache and compute buffers per GPU and on the host, and the bytes
   * one generated token reads from each GPU and from the host (the speed bound). */
  function layout(K, lw, kv, kvCell, sh, pl, c, nGpus, flashAttn, parallel, rsSeq, contextPerSeq) {
    var nLayer = lw.dense.length;
    var gpus = [];
    var readGpu = [];
    for (var g = 0; g < nGpus; g++) { gpus.push({ weights: 0, kv: 0, compute: 0 }); readGpu.push(0); }
    var host = { weights: 0, kv: 0, compute: 0 };
    var readHost = 0;
    host.weights += lw.token_embd;   // tok_embd on the CPU ("input layer"), always
    var outDev = pl.device_of[nLayer];
    if (outDev === null) { host.weights += lw.output; readHost += lw.output; }
    else { gpus[outDev].weights += lw.output; readGpu[outDev] += lw.output; }
    // One sequence's cached tokens of a full-attention (false) and a sliding-window (true) layer.
    var seqTokens = { "false": contextPerSeq, "true": Math.min(contextPerSeq, c.swa) };
    var kindsOn = gpus.map(function () { return {}; });   // per GPU: the cache kinds ("false"/"true") it holds
    var hostKinds = {};
    var hostTensor = 0;
    for (var il = 0; il < nLayer; il++) {
      var dev = pl.device_of[il];
      // The layer's recurrent state (state-space / linear attention), kept for every sequence
      // (llama_memory_hybrid: rs_size = n_seq_max) and counted with the KV cache, as in Python.
      var rs = rsSeq.length ? rsSeq[il] : 0;
      var kvB = c.of(kv[il].swa) * kvCell[il] + rs * parallel;
      // Bytes one generated token reads: the layer's weights (routed experts: the active share)
      // and one sequence's cached tokens of this layer (or its state).
      var kvRead = seqTokens[kv[il].swa] * kvCell[il] + rs;
      var denseRead = lw.dense[il], expRead = lw.experts_read[il];
      if (pl.experts_on_cpu[il]) { host.weights += lw.experts[il]; readHost += expRead; }
      if (dev === null) {
        host.weights += lw.dense[il];
        host.kv += kvB;
        readHost += denseRead + kvRead;
        hostKinds[kv[il].swa] = true;
        hostTensor = Math.max(hostTensor, lw.largest_dense[il]);
      } else {
        gpus[dev].weights += lw.dense[il];
        if (!pl.experts_on_cpu[il]) { gpus[dev].weights += lw.experts[il]; readGpu[dev] += expRead; }
        gpus[dev].kv += kvB;
        readGpu[dev] += denseRead + kvRead;
        kindsOn[dev][kv[il].swa] = true;
      }
    }
    var t = c.n_ubatch;
    function nKv(swa) { return swa ? c.swa : c.n_ctx_seq; }
    function kinds(set) { return [false, true].filter(function (s) { return set[s]; }); }
    // Pipeline parallelism (llama_context ctor): several GPUs, every layer and the output on them,
    // no tensor overrides: the graph inputs are kept PIPELINE_COPIES times.
    var pipeline = nGpus > 1 && outDev !== null && pl.device_of.every(function (d) { return d !== null; }) &&
      !pl.experts_on_cpu.some(function (x) { return x; });
    var copies = pipeline ? K.PIPELINE_COPIES : 1;
    // Op offload (ggml-cuda.cu offload_op, batch >= 32): host-resident weights' products run on the
    // first GPU, the weight tensor copied into its compute buffer (routed experts excepted, PR #15346).
    var offloadCopy = (gpus.length && t >= K.OP_OFFLOAD_MIN_BATCH) ? hostTensor : 0;
    var offloadCopyOutput = gpus.length > 0 && t >= K.OP_OFFLOAD_MIN_BATCH && outDev === null;
    // The first GPU holding layers of a cache kind receives its F32 mask and casts it to F16 for
    // flash attention (llama-graph.cpp build_attn_inp_kv); later GPUs receive the F16 tensor.
    var firstGpu = {};
    [false, true].forEach(function (s) {
      firstGpu[s] = null;
      for (var d = 0; d < nGpus; d++) if (kindsOn[d][s]) { firstGpu[s] = d; break; }
    });
    gpus.forEach(function (mem, d) {
      var on = kinds(kindsOn[d]);
      var hasLayers = on.length > 0;
      if (!hasLayers && outDev !== d && !(d === 0 && (offloadCopy || offloadCopyOutput))) return;
      var inputs = copies * K.F32 * t * sh.hidden;   // the hidden state coming in
      on.forEach(function (s) {
        var cellsT = nKv(s) * c.n_stream * t;
        if (firstGpu[s] === d) inputs += copies * K.F32 * cellsT + (flashAttn ? 2 * cellsT : 0);
        else inputs += copies * (flashAttn ? 2 : K.F32) * cellsT;
        if (sh.idx_heads) inputs += copies * K.F32 * cellsT;   // the indexer cache's own F32 mask
      });
      var copy = d === 0 ? offloadCopy : 0;
      var layer = 0;
      if (hasLayers || copy) {
        var attn = 0;
        on.forEach(function (s) { attn = Math.max(attn, attention(K, sh, t, nKv(s) * c.n_stream, flashAttn)); });
        layer = Math.max(attn, ffnPeak(K, sh, t) + copy);
      }
      var output = outDev === d ? outputAct(K, sh, t) : 0;
      if (d === 0 && outDev === null && offloadCopyOutput) output = lw.output_matrix + outputAct(K, sh, t);
      if (pipeline) mem.compute = inputs + Math.max(layer, output);
      else mem.compute = Math.max((hasLayers || copy) ? inputs + layer : 0, output);
    });
    // Host compute buffer: the graph inputs (each cache's F32 mask, token ids, positions, output
    // ids, the token-embedding rows) and what runs on the CPU.
    var allKinds = {};
    kv.forEach(function (l) { allKinds[l.swa] = true; });
    var maskCells = sum(kinds(allKinds).map(function (s) { return nKv(s) * c.n_stream; }));
    if (sh.idx_heads) maskCells *= 2;   // DeepSeek-V3.2: the indexer cache's mask too
    var inputsHost = copies * K.F32 * t * (3 + maskCells) + K.F32 * t * sh.hidden;
    var cpuPeak = 0;
    var hk = kinds(hostKinds);
    if (hk.length) {
      var a = 0;
      hk.forEach(function (s) { a = Math.max(a, attention(K, sh, t, nKv(s) * c.n_stream, flashAttn)); });
      cpuPeak = Math.max(a, ffnPeak(K, sh, t));
    }
    if (outDev === null && !offloadCopyOutput) cpuPeak = Math.max(cpuPeak, outputAct(K, sh, t));
    host.compute = inputsHost + cpuPeak;
    // llama_context::output_reserve(n_seq_max): n_vocab F32 logits per sequence, host memory.
    var outputBuffer = K.F32 * sh.vocab * parallel;
    var mapped = gpus.length ? mappedHostWeights(lw, pl, host.weights) : host.weights;
    return { gpus: gpus, host: host, output_buffer: outputBuffer, host_mapped: mapped,
             read_gpu: readGpu.map(check), read_host: check(readHost) };
  }

  /** Python's format(x, ".3g") for x >= 0 (llamacpp._gb): three significant digits from the exact
   * value of the double, ties to even, trailing zeros dropped, exponent form below 1e-4 or from 1e3. */
  function g3(x) {
    if (x === 0) return "0";
    var exact = x.toFixed(100).replace(/0+$/, "");   // the double's exact decimal value (x < 1e21)
    var digits = exact.replace(".", "").replace(/^0+/, "");
    var dot = exact.indexOf(".");
    var lead = exact.search(/[1-9]/);
    var exp = lead < dot ? dot - lead - 1 : dot - lead;   // the power of ten of the first digit
    var keep = digits.slice(0, 3), rest = digits.slice(3);
    while (keep.length < 3) keep += "0";
    var n = Number(keep);
    var half = rest === "" ? -1 : (rest[0] > "5" || (rest[0] === "5" && /[1-9]/.test(rest.slice(1))) ? 1
      : (rest[0] === "5" ? 0 : -1));
    if (half > 0 || (half === 0 && n % 2 === 1)) n += 1;
    if (n === 1000) { n = 100; exp += 1; }
    var m = String(n);   // three digits d1 d2 d3 of d1.d2d3 x 10^exp
    if (exp < -4 || exp >= 3) {
      var mant = (m[0] + "." + m.slice(1)).replace(/\.?0+$/, "");
      return mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    var s = exp >= 0 ? m.slice(0, exp + 1) + "." + m.slice(exp + 1) : "0." + "0".repeat(-exp - 1) + m;
    return s.indexOf(".") >= 0 ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  }
  function gbText(n) { return g3(n / 1e9) + " GB"; }

  /** llamacpp._speed: the decode and prefill upper bounds of one sequence, and their basis. */
  function speed(lw, lay, gpu) {
    if (!gpu) return { decode_tokens_per_s_upper_bound: null, prefill_tokens_per_s_upper_bound: null, basis: "no hardware given" };
    var bw = gpu.bw;
    // Layer split: the GPUs work one after another on each token, so their times add up.
    var seconds = 0;
    lay.read_gpu.forEach(function (b) { seconds += b / bw; });
    var hostBw = gpu.host_bw, hostWhat = gpu.host_what;
    var basis = "decode: bytes read per token (active weights: routed experts not chosen are not read, " +
      "plus each layer's cached tokens of one sequence) / memory bandwidth, summed over the GPUs " +
      "in layer order (a layer split adds no bandwidth)";
    var decode;
    if (lay.read_host) {
      if (hostBw === null || hostBw === undefined) {
        decode = null;
        basis += "; " + gbText(lay.read_host) + " per token come from system RAM and " + hostWhat + ": no bound";
      } else {
        seconds += lay.read_host / hostBw;
        basis += "; plus " + gbText(lay.read_host) + " per token from system RAM at " + gbText(hostBw) + "/s (" + hostWhat + ")";
        decode = seconds ? 1 / seconds : null;
      }
    } else {
      decode = seconds ? 1 / seconds : null;
    }
    var prefill = null;
    if (gpu.tflops) {
      prefill = gpu.tflops * 1e12 / (2 * lw.active_params);
      basis += "; prefill: 2 x active parameters FLOPs per token / one GPU's dense FP16 throughput";
    } else {
      basis += "; prefill: no FP16 throughput in the GPU catalog";
    }
    return { decode_tokens_per_s_upper_bound: decode, prefill_tokens_per_s_upper_bound: prefill, basis: basis };
  }

  /** llamacpp._cpu_speed (--cpu-only): a token reads its active weights and one sequence's cache from
   * system RAM; ramBw: the --ram-class bandwidth (bytes/s) or null. */
  function cpuSpeed(lay, ramBw) {
    var basis = "decode: bytes read per token (active weights: routed experts not chosen are not read, plus each " +
      "layer's cached tokens of one sequence) / system-memory bandwidth";
    if (!ramBw) {
      return { decode_tokens_per_s_upper_bound: null, prefill_tokens_per_s_upper_bound: null,
               basis: basis + ": no bandwidth known (give --ram-class); prefill: no CPU throughput in the catalog" };
    }
    return { decode_tokens_per_s_upper_bound: lay.read_host ? ramBw / lay.read_host : null,
             prefill_tokens_per_s_upper_bound: null,
             basis: basis + " at " + gbText(ramBw) + "/s; prefill: no CPU throughput in the catalog" };
  }

  function hostTotal(lay) { return lay.host.weights + lay.host.kv + lay.host.compute + lay.output_buffer; }

  /** llamacpp._device_total: one GPU's weights, KV cache, compute buffer and per-device overhead. */
  function deviceTotal(K, g) { return g.weights + g.kv + g.compute + K.OVERHEAD_BYTES; }

  /** llamacpp._fits: every GPU within its capacity (with the per-device overhead), the host within the RAM;
   * on unified memory (shared) the GPU's buffers come out of the same RAM as the host's. */
  function fits(K, lay, capacity, ram, shared) {
    var onGpus = 0;
    for (var i = 0; i < lay.gpus.length; i++) {
      var d = deviceTotal(K, lay.gpus[i]);
      if (capacity !== null && d > capacity) return false;
      onGpus += d;
    }
    if (ram !== null && hostTotal(lay) + (shared ? onGpus : 0) > ram) return false;
    return true;
  }

  // engines.smallest_that_fits / largest_that_fits: bisection over a monotone choice.
  function smallestThatFits(lo, hi, ok) {
    if (!ok(hi)) return null;
    while (lo < hi) { var mid = floorDiv(lo + hi, 2); if (ok(mid)) hi = mid; else lo = mid + 1; }
    return lo;
  }
  function largestThatFits(lo, hi, ok) {
    if (!ok(lo)) return null;
    while (lo < hi) { var mid = floorDiv(lo + hi + 1, 2); if (ok(mid)) lo = mid; else hi = mid - 1; }
    return lo;
  }

  /** llamacpp._moved: what the offload moved, in words. */
  function moved(ngl, moe, nLayer) {
    var parts = [];
    if (moe) parts.push("routed experts of layers 0-" + (Math.min(moe, nLayer) - 1) + " to system RAM (--n-cpu-moe " + moe + ")");
    if (ngl === 0) {
      parts.push("all " + nLayer + " layers and the output layer to the CPU (-ngl 0)");
    } else if (ngl <= nLayer) {   // -ngl N: the output layer and the last N - 1 layers stay on the GPU
      var onCpu = nLayer - ngl + 1;
      parts.push("layers 0-" + (onCpu - 1) + " (" + onCpu + " of " + nLayer + ") to the CPU, the output layer kept on the GPU (-ngl " + ngl + ")");
    }
    return parts.length ? parts.join("; ") : "nothing: every layer on the GPU";
  }

  /** llamacpp._split_words: the split autoOffload chose, in words ("" for the even one). */
  function splitWords(shares) {
    return shares ? "; units (layers, then the output layer) per GPU in order: " + shares.join(", ") + " (-ts)" : "";
  }

  /** llamacpp._auto_offload: everything on the GPUs if it fits; else the smallest --n-cpu-moe that
   * fits; else the largest -ngl that fits. A value the user gave is kept. fill (several GPUs, no split
   * given): with every layer on the GPUs, the split that fits where the even one does not, else null.
   * Returns [ngl, moe, moved, split or null]. */
  function autoOffload(evaluateFits, nLayer, isMoe, nglS, moeS, fill) {
    var allLayers = nLayer + 1, arrangements = {};
    /** llamacpp._auto_offload's arrangement: [every GPU fits, the split: null for the even one]. */
    function arrangement(ngl, moe) {
      var key = ngl + "," + moe;
      if (!arrangements[key]) {
        if (evaluateFits(ngl, moe)) arrangements[key] = [true, null];
        else {
          var split = fill && ngl === allLayers ? fill(ngl, moe) : null;
          arrangements[key] = [split !== null, split];
        }
      }
      return arrangements[key];
    }
    var fixedNgl = nglS === "auto" ? null : nglS;
    var fixedMoe = moeS === "auto" ? null : moeS;
    var ngl0 = fixedNgl === null ? allLayers : fixedNgl;
    var moe0 = fixedMoe === null ? 0 : fixedMoe;
    if (fixedNgl !== null && fixedMoe !== null) return [ngl0, moe0, moved(ngl0, moe0, nLayer), null];
    var first = arrangement(ngl0, moe0);
    if (first[0]) return [ngl0, moe0, moved(ngl0, moe0, nLayer) + splitWords(first[1]), first[1]];
    if (isMoe && fixedMoe === null) {
      var moe = smallestThatFits(1, nLayer, function (m) { return arrangement(ngl0, m)[0]; });
      if (moe !== null) {
        var shares = arrangement(ngl0, moe)[1];
        return [ngl0, moe, moved(ngl0, moe, nLayer) + splitWords(shares), shares];
      }
      moe0 = nLayer;
    }
    if (fixedNgl === null) {
      var ngl = largestThatFits(0, allLayers - 1, function (n) { return evaluateFits(n, moe0); });
      if (ngl !== null) return [ngl, moe0, moved(ngl, moe0, nLayer), null];
      return [0, moe0, moved(0, moe0, nLayer) + "; does not fit even so", null];
    }
    return [ngl0, moe0, moved(ngl0, moe0, nLayer) + "; does not fit", null];
  }

  /** llamacpp._max_context: the largest context (a multiple of 256, at most the training context) that fits. */
  function maxContext(K, fitsAt, trainCtx) {
    var lo = 0, hi = floorDiv(pad(trainCtx, K.PAD), K.PAD);
    if (hi && fitsAt(Math.min(hi * K.PAD, trainCtx))) return trainCtx;
    while (lo < hi - 1) {
      var mid = floorDiv(lo + hi, 2);
      if (fitsAt(mid * K.PAD)) lo = mid; else hi = mid;
    }
    return lo ? lo * K.PAD : null;
  }

  /** llamacpp._command: the llama-server command line of the plan. */
  /** llamacpp.rope_flags: llama-server's YaRN options where a slot's context passes the GGUF's native one. */
  function ropeFlags(yarn, perSlot) {
    if (!yarn || perSlot <= yarn[0]) return [];
    return ["--rope-scaling", "yarn", "--rope-scale", String(yarn[1]), "--yarn-orig-ctx", String(yarn[2])];
  }

  function command(model, quant, s, parSetting, yarn) {
    var name = String(model || "model").split("/").pop();
    var parts = ["llama-server", "-m", name + "-" + quant + ".gguf", "-c", String(s.context), "-ngl", String(s.n_gpu_layers),
                 "-fa", s.flash_attn];
    if (s.kv_type_k !== "F16" || s.kv_type_v !== "F16") parts.push("-ctk", s.kv_type_k.toLowerCase(), "-ctv", s.kv_type_v.toLowerCase());
    if (parSetting !== "auto") parts.push("-np", String(s.parallel));
    if (s.cpu_moe_layers) parts.push("--n-cpu-moe", String(s.cpu_moe_layers));
    if (s.ubatch !== 512) parts.push("-ub", String(s.ubatch));
    if (s.tensor_split) parts.push("-ts", s.tensor_split.join(","));
    parts = parts.concat(ropeFlags(yarn, sequenceContext(s.context, parSetting)));
    return parts.join(" ");
  }

  /** The context one sequence gets (llamacpp.sequence_context): -c over -np N explicit slots. */
  function sequenceContext(context, parallel) {
    return parallel === "auto" ? context : floorDiv(context, parallel);
  }

  var QUANTIZED_V_OK = { F32: true, F16: true, BF16: true };

  /**
   * The plan (the numbers of engines.plan(card, catalogs, "llama.cpp", settings, hardware)).
   * settings: {quant, context (null: the training context), kv_dtype, kv_type_k, kv_type_v (null: kv_dtype),
   *            parallel ("auto" | n), flash_attn ("auto" | "on" | "off"), n_gpu_layers, cpu_moe_layers ("auto" | n)}
   *            cpu_only (true: --cpu-only, a machine without a GPU; gpu must be null)
   * gpu: a calc_inputs.gpu_table row or null (no hardware: what the model needs); count: how many;
   * ramGb: system RAM in GB (10^9 bytes, --ram-gb) or null (not checked);
   * ramBw: with cpu_only, the bandwidth of the system-memory class (--ram-class: api/calc/gpus.json
   *        host_memory[id].bandwidth_bytes_per_s) or null (no speed bound).
   * Returns the plan's fields, or {error: {option, message}} for a setting the engine refuses.
   */
  function plan(data, settings, gpu, count, ramGb, ramBw) {
    try { return planOrThrow(data, settings, gpu, count, ramGb, ramBw === undefined ? null : ramBw); }
    catch (e) { if (e instanceof PlanError) return { error: { option: e.option, message: e.message } }; throw e; }
  }

  function planOrThrow(data, settings, gpu, count, ramGb, ramBw) {
    if (data.unsupported) return { supported: false, unsupported_reason: data.unsupported };
    var K = data.constants;
    var quantId = settings.quant || data.default_quant;
    var q = data.quants[quantId];
    if (!q) throw new PlanError("--quant", "no " + quantId + " GGUF file exists for " + data.model);
    var trainCtx = data.train_context;
    var given = settings.context === null || settings.context === undefined ? null : settings.context;
    var context = given === null ? trainCtx : given;
    var parSetting = settings.parallel === undefined ? "auto" : settings.parallel;
    // engines._check_common: a context given must fit the model's maximum per sequence (the
    // training context, used when none is given, is not checked)
    var perSeq = given === null ? null : sequenceContext(given, parSetting);
    if (perSeq !== null && data.max_context !== null && perSeq > data.max_context) {
      throw new PlanError("--context", perSeq + " tokens per sequence is more than the model's maximum of " +
        data.max_context + " tokens");
    }
    var kvDtype = settings.kv_dtype || K.kv_dtype;
    var typeKId = settings.kv_type_k || kvDtype, typeVId = settings.kv_type_v || kvDtype;
    [["--kv-type-k", typeKId], ["--kv-type-v", typeVId]].forEach(function (p) {
      if (!data.cache_types[p[1]]) throw new PlanError(p[0], p[1] + " is not a llama.cpp cache type");
    });
    var faSetting = settings.flash_attn || "auto";
    var flashAttn = faSetting !== "off";   // auto resolves to on (CUDA, ROCm, Metal run FA for these heads)
    if (!flashAttn && !QUANTIZED_V_OK[typeVId]) {
      throw new PlanError("--kv-type-v", "a quantized V cache (" + typeVId.toLowerCase() + ") needs flash attention");
    }
    var unified = parSetting === "auto";
    var parallel = unified ? K.AUTO_PARALLEL : parSetting;
    var ubatch = K.ubatch, batch = K.batch;

    var lw = { token_embd: q.token_embd, output: q.output, output_matrix: q.output_matrix, tied: q.tied,
               dense: unrle(q.dense), experts: unrle(q.experts), largest_dense: unrle(q.largest_dense),
               experts_read: unrle(q.experts_read), active_params: q.active_params };
    var kk = unrle(data.kv_k), kvv = unrle(data.kv_v), ks = unrle(data.kv_swa), ki = unrle(data.kv_idx || []);
    var kv = kk.map(function (k, i) { return { k: k, v: kvv[i], swa: ks[i], idx: ki.length ? ki[i] : 0 }; });
    var rsSeq = unrle(data.rs_seq || []);
    var sh = data.shape;
    var nLayer = lw.dense.length;
    var tK = data.cache_types[typeKId], tV = data.cache_types[typeVId];
    var isMoe = lw.experts.some(function (x) { return x > 0; });
    // the indexer's key (DeepSeek-V3.2) is stored at the K type too (llamacpp.kv_cell_bytes)
    var kvCell = kv.map(function (l) { return rowBytes(l.k, tK) + rowBytes(l.v, tV) + rowBytes(l.idx, tK); });

    // --cpu-only: no GPU at all, so no device buffers (a CPU build runs the whole graph, logits included)
    var cpuOnly = settings.cpu_only === true;
    if (cpuOnly && gpu) throw new PlanError("--cpu-only", "plans a machine without a GPU; drop --gpu " + gpu.id + " or --cpu-only");
    var gpus = cpuOnly ? 0 : Math.max(1, count || 1);
    var capacity = gpu ? gpu.capacity_bytes : null;
    // engines.hardware: --ram-gb N -> int(N * 10^9) bytes (the same double product as Python's)
    var ram = ramGb === null || ramGb === undefined ? null : Math.trunc(ramGb * 1e9);
    // unified memory (engines.unified_memory): the GPU's and the host's buffers share the machine's memory
    var sharedRam = !!(gpu && gpu.unified_ram_bytes);
    if (sharedRam) ram = gpu.unified_ram_bytes;
    var split = null;   // llama.cpp's even split, unless the offload below chooses one

    var placements = {};
    function placement(ngl, moe, shares) {
      var key = ngl + "," + moe + "," + (shares ? shares.join("/") : "");
      return placements[key] || (placements[key] = place(nLayer, gpus, ngl, moe, shares));
    }
    function evaluate(ctx, ngl, moe, shares) {
      var c = cells(K, ctx, parallel, unified, ubatch, batch, data.n_swa, false);
      var pl = placement(ngl, moe, shares || null);
      var perSeq = unified ? ctx : Math.min(c.n_ctx_seq, ctx);
      return { lay: layout(K, lw, kv, kvCell, sh, pl, c, gpus, flashAttn, parallel, rsSeq, perSeq), c: c, pl: pl };
    }
    /** The llama.cpp plan's fill: the units per GPU (-ts as counts) with which every GPU fits, filling
     * them in order, each with as many units as it holds; null: no split fits. */
    function fill(ngl, moe) {
      var units = Math.max(0, Math.min(ngl, nLayer + 1)), counts = [];
      for (var d = 0; d < gpus - 1; d++) {
        var left = units - sum(counts);
        var c = largestThatFits(0, left, function (n) {
          var shares = counts.concat([n, left - n]);
          while (shares.length < gpus) shares.push(0);
          var g = evaluate(context, ngl, moe, shares).lay.gpus[d];
          return capacity === null || deviceTotal(K, g) <= capacity;
        });
        if (c === null) return null;
        counts.push(c);
      }
      counts.push(units - sum(counts));
      return fits(K, evaluate(context, ngl, moe, counts).lay, capacity, null) ? counts : null;
    }

    var nglS = settings.n_gpu_layers === undefined ? "auto" : settings.n_gpu_layers;
    var moeS = settings.cpu_moe_layers === undefined ? "auto" : settings.cpu_moe_layers;
    if (!isMoe && moeS !== null && moeS !== "auto" && moeS !== 0) {
      throw new PlanError("--cpu-moe-layers", moeS + ": " + data.model + " has no routed experts for --n-cpu-moe to move; allowed: 0 or auto");
    }
    var allLayers = nLayer + 1;
    var ngl, cpuMoe, movedText = "nothing: every layer on the GPU";
    if (cpuOnly) {
      [["--n-gpu-layers", nglS], ["--cpu-moe-layers", moeS]].forEach(function (p) {
        if (p[1] !== null && p[1] !== "auto" && p[1] !== 0) {
          throw new PlanError(p[0], p[1] + ": --cpu-only keeps every layer in system RAM; allowed: 0 or auto");
        }
      });
      ngl = 0; cpuMoe = 0; movedText = "everything: no GPU, every layer in system RAM";
    } else if (!gpu) {
      ngl = nglS === "auto" ? allLayers : nglS;
      cpuMoe = moeS === "auto" ? 0 : moeS;
    } else {
      var r = autoOffload(function (n, m) { return fits(K, evaluate(context, n, m).lay, capacity, null); },
                          nLayer, isMoe, nglS, moeS, gpus > 1 ? fill : null);
      ngl = r[0]; cpuMoe = r[1]; movedText = r[2]; split = r[3];
    }
    var ev = evaluate(context, ngl, cpuMoe, split), lay = ev.lay, c = ev.c, pl = ev.pl;
    // What decides: the GPU's capacity (and the RAM given); without a GPU, the RAM alone.
    var judged = capacity !== null || (cpuOnly && ram !== null);
    var fit = judged ? fits(K, lay, capacity, ram, sharedRam) : null;
    var maxCtx = null;
    if (judged) {
      // -c is the cache of all slots: with -np N each slot gets 1/N of it, so up to N of a slot's longest:
      // the training context, or the model's YaRN-extended one (the command then adds ropeFlags)
      var perSlot = data.yarn ? Math.max(trainCtx, data.max_context || 0) : trainCtx;
      maxCtx = maxContext(K, function (ctx) { return fits(K, evaluate(ctx, ngl, cpuMoe, split).lay, capacity, ram, sharedRam); },
                          unified ? perSlot : perSlot * parallel);
    }
    var backend = gpu ? gpu.backend : null;
    var devices = lay.gpus.map(function (g, d) {
      var name = gpu ? backend + d : (lay.gpus.length === 1 ? "GPU" : "GPU" + d);
      return { name: name, gpu: gpu ? gpu.id : null, weights_bytes: check(g.weights), kv_cache_bytes: check(g.kv),
               compute_buffer_bytes: check(g.compute), overhead_bytes: K.OVERHEAD_BYTES,
               total_bytes: check(deviceTotal(K, g)), capacity_bytes: capacity };
    });
    var hostCompute = lay.host.compute + lay.output_buffer;
    var host = { weights_bytes: check(lay.host.weights), kv_cache_bytes: check(lay.host.kv),
                 compute_buffer_bytes: check(hostCompute), total_bytes: check(lay.host.weights + lay.host.kv + hostCompute) };
    var flags = ["-ngl " + pl.n_gpu_layers];
    if (cpuMoe) flags.push("--n-cpu-moe " + cpuMoe);
    if (split) flags.push("-ts " + split.join(","));
    var resolved = {
      quant: quantId, context: context, kv_dtype: kvDtype, kv_type_k: typeKId, kv_type_v: typeVId,
      parallel: parallel, kv_unified: unified, ubatch: c.n_ubatch, batch: Math.min(c.n_ctx, batch),
      flash_attn: flashAttn ? "on" : "off", swa_full: false, cpu_only: cpuOnly, n_gpu_layers: pl.n_gpu_layers,
      cpu_moe_layers: cpuMoe, tensor_split: split, n_ctx: c.n_ctx, n_ctx_seq: c.n_ctx_seq,
      swa_cells: data.n_swa ? c.swa : null
    };
    function col(f) { return lay.gpus.map(f); }
    return {
      supported: true,
      settings: resolved,
      devices: devices,
      host: host,
      kv_cache_bytes_per_token: sum(kvCell),
      fits: fit,
      max_context_that_fits: maxCtx,
      offload: { n_gpu_layers: pl.n_gpu_layers, cpu_moe_layers: cpuMoe, flags: flags, moved: movedText },
      components: {
        device_weights: sum(col(function (g) { return g.weights; })),
        device_weights_per_gpu: col(function (g) { return g.weights; }),
        device_kv_cache_per_gpu: col(function (g) { return g.kv; }),
        device_compute_buffer_per_gpu: col(function (g) { return g.compute; }),
        host_weights: lay.host_mapped,
        device_kv_cache: sum(col(function (g) { return g.kv; })),
        host_kv_cache: lay.host.kv,
        device_compute_buffer: sum(col(function (g) { return g.compute; })),
        host_compute_buffer: lay.host.compute,
        output_buffer: lay.output_buffer
      },
      command: command(data.model, quantId, resolved, parSetting, data.yarn),
      speed: cpuOnly ? cpuSpeed(lay, ramBw) : speed(lw, lay, gpu)
    };
  }

  var api = { plan: plan, unrle: unrle, pad: pad, cells: cells, place: place, g3: g3 };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (root) { root.LLMCardsEngineLlamacpp = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null));
