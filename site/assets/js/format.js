/* llmcards number formatting for the browser: the rules of generator/site/fmt.py.
 * The rules (units, significant digits, decimals) come from format-rules.js, which is
 * generated from fmt.py; the arithmetic is on BigInt so rounding equals Python's
 * integer half-up rounding exactly. tests/site/test_format_js.py compares the two
 * over fmt.py's boundary cases and every registry card's numbers.
 * Load format-rules.js before this file (node: require() finds it by itself).
 */
(function (root, rules) {
  "use strict";
  var DASH = rules.dash;                       // the missing-value text: "unknown" (fmt.UNKNOWN)
  var UNKNOWN = rules.missing.unknown, NA = rules.missing.na, NONE = rules.missing.none;

  function pow10(k) { return 10n ** BigInt(k); }
  function halfUp(n, div) { return (n + div / 2n) / div; }     // n >= 0; BigInt "/" truncates like Python's //
  function missing(v) { return v === null || v === undefined; }

  // Python's round() for a float: to the nearest integer, halves to even.
  function roundHalfEven(x) {
    var f = Math.floor(x), d = x - f;
    if (d > 0.5 || (d === 0.5 && f % 2 !== 0)) f += 1;
    return f;
  }
  // An integer as BigInt: from a BigInt, a numeric string or a Number (truncated
  // toward zero like Python's int()).
  function big(n) {
    if (typeof n === "bigint") return n;
    if (typeof n === "number") return BigInt(Math.trunc(n));
    return BigInt(n);
  }
  function grouped(n) {
    var s = big(n).toString(), sign = "";
    if (s[0] === "-") { sign = "-"; s = s.slice(1); }
    return sign + s.replace(/\B(?=(\d{3})+(?!\d))/g, rules.thousands);
  }
  // scaled / 10**places with exactly `places` decimals (scaled >= 0).
  function decimals(scaled, places) {
    if (places <= 0) return (scaled * pow10(-places)).toString();
    var d = pow10(places), frac = (scaled % d).toString();
    while (frac.length < places) frac = "0" + frac;
    return (scaled / d).toString() + "." + frac;
  }

  /** 8030261248 -> "8.03B" (fmt.params). */
  function params(n) {
    if (missing(n)) return DASH;
    n = big(n);
    var sign = n < 0n ? "-" : "";
    if (n < 0n) n = -n;
    var units = rules.params.units, digits = rules.params.digits;
    if (n < pow10(units[0][0])) return sign + n.toString();
    var e = Math.max(n.toString().length - digits, 0);
    var m = halfUp(n, pow10(e));
    if (m === pow10(digits)) { m = m / 10n; e += 1; }
    var lead = e + digits - 1, unit = null;
    units.forEach(function (u) { if (u[0] <= lead && (unit === null || u[0] > unit[0])) unit = u; });
    return sign + decimals(m, unit[0] - e) + unit[1];
  }

  /** 8030261248 -> "8,030,261,248" (fmt.exact). */
  function exact(n) { return missing(n) ? DASH : grouped(n); }

  // Bytes in units of r.bytes by r's digits and decimals (fmt._sized).
  function sized(bytes, r) {
    if (missing(bytes)) return DASH;
    var n = (typeof bytes === "number" && !Number.isInteger(bytes)) ? BigInt(roundHalfEven(bytes)) : big(bytes);
    if (n < 0n) return "-" + sized(-n, r);
    var per = BigInt(r.bytes), limit = pow10(r.digits);
    for (var places = r.max_decimals; places > 0; places--) {
      var scaled = halfUp(n * pow10(places), per);
      if (scaled < limit) return decimals(scaled, places) + r.unit;
    }
    return grouped(halfUp(n, per)) + r.unit;
  }

  /** Bytes -> "5.90 GB", "17.0 GB", "1,370 GB" (fmt.gb). */
  function gb(bytes) { return sized(bytes, rules.gb); }

  /** Bytes -> "24.0 GiB" (fmt.gib). */
  function gib(bytes) { return sized(bytes, rules.gib); }

  /** A memory capacity in both units: "25.8 GB (24.0 GiB)" (fmt.capacity). */
  function capacity(bytes) {
    return missing(bytes) ? DASH : rules.capacity.replace("{gb}", gb(bytes)).replace("{gib}", gib(bytes));
  }

  /** The longest context that fits: "none" where none fits (n null, fits false), else tokens(n) (fmt.fitting_context). */
  function fittingContext(n, fits) { return missing(n) && fits === false ? NONE : tokens(n); }

  /** 131072 -> "128K", 1000000 -> "1M", 1500 -> "1,500" (fmt.tokens). */
  function tokens(n) {
    if (missing(n)) return DASH;
    n = big(n);
    var units = rules.tokens.units;
    for (var i = 0; i < units.length; i++) {
      var size = BigInt(units[i][0]);
      if (n >= size && n % size === 0n) return (n / size).toString() + units[i][1];
    }
    return grouped(n);
  }

  /** A float with exactly `places` decimals, halves up, grouped (fmt.fixed). */
  function fixed(x, places) {
    if (missing(x)) return DASH;
    if (x < 0) return "-" + fixed(-x, places);
    var scaled = BigInt(Math.floor(x * Math.pow(10, places) + 0.5));
    if (places <= 0) return grouped(scaled);
    var d = pow10(places), frac = (scaled % d).toString();
    while (frac.length < places) frac = "0" + frac;
    return grouped(scaled / d) + "." + frac;
  }

  /** Tokens per second: 57.6 -> "58 tok/s", 3.44 -> "3.4 tok/s" (fmt.rate). */
  function rate(x) {
    if (missing(x)) return DASH;
    return fixed(x, x >= rules.rate.whole_from ? 0 : rules.rate.decimals) + rules.rate.unit;
  }

  /** A ratio: 3.254 -> "3.25×" (fmt.ratio). */
  function ratio(x) { return missing(x) ? DASH : fixed(x, rules.ratio.decimals) + rules.ratio.unit; }

  /** A count past a bound: moreThan(64) -> "more than 64" (fmt.more_than). */
  function moreThan(n) { return rules.missing.more_than.replace("{n}", grouped(n)); }

  /** A generic cell (fmt.value): null -> "unknown", booleans -> yes/no, lists joined, integers grouped. */
  function value(v) {
    if (missing(v)) return DASH;
    if (v === true) return "yes";
    if (v === false) return "no";
    if (Array.isArray(v)) return v.length ? v.map(String).join(", ") : DASH;
    if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return grouped(v);
    return String(v);
  }

  var api = { DASH: DASH, UNKNOWN: UNKNOWN, NA: NA, NONE: NONE, moreThan: moreThan, params: params, exact: exact, gb: gb, gib: gib, capacity: capacity, tokens: tokens, fittingContext: fittingContext, value: value,
              fixed: fixed, rate: rate, ratio: ratio };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }
  if (root) { root.LLMCardsFormat = api; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null),
   (typeof module !== "undefined" && module.exports) ? require("./format-rules.js")
     : (typeof window !== "undefined" ? window : globalThis).LLMCardsFormatRules);
