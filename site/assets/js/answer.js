/* "Run it" on a model page: the answer for the reader's hardware (site/assets/js/hardware.js).
 *
 * The page embeds one compact answer per setup and engine (#llmc-answers, written by
 * generator/site/answer.py from the same plans record as api/plans/<org>/<model>.json), all
 * text already formatted in Python; this script only places it, as textContent. Without a
 * chosen setup the page keeps what the build rendered (smallest common GPU per format).
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
    fact(dl, "Decode speed", "at most " + a.decode + " (upper bound)");
    if (a.why) div.appendChild(el("p", a.why, { "class": "llmc-answer-why" }));
    if (a.command) {
      var cmd = div.appendChild(el("div", null, { "class": "llmc-answer-command" }));
      cmd.appendChild(el("pre")).appendChild(el("code", a.command));
      var row = cmd.appendChild(el("div", null, { "class": "llmc-copy-row" }));
      row.appendChild(el("button", "Copy command", { type: "button", "class": "llmc-answer-copy" }));
      row.appendChild(el("span", "", { "class": "llmc-copy-status", role: "status" }));
    }
    return div;
  }

  function render(choice) {
    Array.prototype.forEach.call(body.querySelectorAll(".llmc-answer-chosen"), function (n) { n.remove(); });
    var setup = choice ? HW.find(choice.setup) : null;
    var row = setup ? (data.setups || {})[setup.id] : null;
    none.hidden = !!setup;
    body.setAttribute("data-setup", setup ? setup.id : "");
    body.setAttribute("data-engine", choice ? choice.engine : "");
    if (!setup) return;
    var box = el("div", null, { "class": "llmc-answer-chosen" });
    var head = box.appendChild(el("p", null, { "class": "llmc-answer-for" }));
    head.appendChild(document.createTextNode("On "));
    head.appendChild(el("strong", setup.label));
    head.appendChild(document.createTextNode(" with " + (LABELS[choice.engine] || choice.engine) + " "));
    head.appendChild(el("button", "Change", { type: "button", "class": "llmc-hw-choose llmc-link-button",
                                              "aria-label": "Change hardware or engine" }));
    if (!row || !row[choice.engine]) {
      box.appendChild(el("p", "No engine plan for this model on this hardware.", { "class": "llmc-answer-verdict", "data-state": "unavailable" }));
    } else {
      var a = row[choice.engine];
      box.appendChild(engineBlock(choice.engine, a));
      var other = choice.engine === "vllm" ? "llama.cpp" : "vllm";
      if ((a.state === "unsupported" || a.state === "no-fit") && row[other] && row[other].state === "fits") {
        box.appendChild(el("p", (LABELS[other] || other) + " runs it on this hardware:", { "class": "llmc-answer-other" }));
        box.appendChild(engineBlock(other, row[other]));
      }
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
