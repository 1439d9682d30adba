/* llmcards VRAM calculator: the browser side of generator/calc (vram_at).
 * Input: the `calculator` block of a model's derived figures (api/models/<org>/<model>.json,
 * derived api_version 3; the model page embeds it): every
 * coefficient is data computed by derive(); only the arithmetic of
 * generator/calc/memory.py (kv_cache_bytes, activations_bytes) is repeated here,
 * with BigInt so results equal the Python numbers exactly.
 * tests/calc/test_calc_vram_js.py runs this file under node against Python over
 * every registry card and a grid of inputs. No dependencies.
 * Formula and sources: methodology page.
 */
(function (root) {
  "use strict";

  function big(x) { return BigInt(x); }
  function num(x) { return x === null ? null : Number(x); }

  /** {weights_bytes, kv_cache_bytes, activations_bytes, overhead_bytes, total_bytes} (numbers, bytes; null if unknown). */
  function compute(calc, quantization, kvDtype, context, batch) {
    var ctx = big(context), b = big(batch);
    var w = calc.weights_bytes[quantization];
    var weights = (w === undefined || w === null) ? null : big(w);
    var kv = null;
    if (calc.kv_known) {
      var dt = calc.kv_dtypes[kvDtype];
      if (!dt) { throw new Error("unknown kv dtype " + kvDtype); }
      var elems = 0n;
      calc.kv_groups.forEach(function (g) {
        var tokens = (g.window === null || ctx < big(g.window)) ? ctx : big(g.window);
        elems += big(g.layers) * big(g.elements_per_token) * tokens;
      });
      kv = elems * b * big(dt[1]) / big(dt[0]); // BigInt division truncates, like Python's // here
      // fixed recurrent state of state-space / linear-attention layers, per sequence (memory.kv_cache_bytes)
      kv += big(calc.state_bytes_per_sequence || 0) * b;
    }
    var act = null;
    if (calc.activation_width !== null) {
      var tok = ctx * b < big(calc.ubatch_tokens) ? ctx * b : big(calc.ubatch_tokens);
      act = big(calc.activation_bytes) * tok * big(calc.activation_width);
    }
    var overhead = big(calc.overhead_bytes);
    var total = (weights === null || kv === null || act === null) ? null : weights + kv + act + overhead;
    return {
      weights_bytes: num(weights),
      kv_cache_bytes: num(kv),
      activations_bytes: num(act),
      overhead_bytes: num(overhead),
      total_bytes: num(total)
    };
  }

  var api = { compute: compute };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (root) { root.LLMCardsVRAM = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null));
