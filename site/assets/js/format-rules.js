/* Generated from generator/site/fmt.py by `python -m generator.site.fmt`: do not edit.
 * tests/site/test_format_js.py fails when this file differs from what fmt.py generates. */
(function (root) {
  "use strict";
  var rules = {
    "capacity": "{gb} ({gib})",
    "dash": "unknown",
    "gb": {"bytes": 1000000000, "digits": 3, "max_decimals": 2, "unit": " GB"},
    "gib": {"bytes": 1073741824, "digits": 3, "max_decimals": 2, "unit": " GiB"},
    "missing": {"more_than": "more than {n}", "na": "n/a", "none": "none", "unknown": "unknown"},
    "params": {"digits": 3, "units": [[3, "K"], [6, "M"], [9, "B"], [12, "T"]]},
    "rate": {"decimals": 1, "unit": " tok/s", "whole_from": 10},
    "ratio": {"decimals": 2, "unit": "\u00d7"},
    "thousands": ",",
    "tokens": {"units": [[1048576, "M"], [1024, "K"], [1000000, "M"], [1000, "K"]]}
  };
  if (typeof module !== "undefined" && module.exports) { module.exports = rules; }
  if (root) { root.LLMCardsFormatRules = rules; }
})(typeof window !== "undefined" ? window : (typeof globalThis !== "undefined" ? globalThis : null));
