/* "My hardware": the reader's setup and engine, chosen once in the header and used on every page.
 *
 * window.LLMCardsHardware = {
 *   get()      -> {setup: id, engine: "llama.cpp" | "vllm"} or null (nothing chosen, or a stored
 *                 value that names no setup of this site),
 *   set(obj)   -> stores it (null forgets it) and fires "llmcards:hardware" on document
 *                 (event.detail = the new value, or null),
 *   setups()   -> [{id, label, short, group}] (the setups the plans files cover),
 *   find(id)   -> one of those, or null,
 *   open()     -> opens the header's dialog
 * }
 * Stored in localStorage "llmcards.hardware" as JSON. Older pages stored the bare setup id
 * ("rtx-3090-x2"): that is read as {setup: id, engine: "llama.cpp"}; anything else unreadable
 * counts as nothing chosen. Runs in the header, before the page's own scripts.
 */
(function () {
  "use strict";
  var KEY = "llmcards.hardware";
  var EVENT = "llmcards:hardware";
  var ENGINES = ["llama.cpp", "vllm"];
  var DEFAULT_ENGINE = "llama.cpp";

  var list = [];
  try {
    var data = document.getElementById("llmc-hardware-setups");
    list = data ? JSON.parse(data.textContent || "[]") : [];
    if (!Array.isArray(list)) list = [];
  } catch (e) { list = []; }

  function find(id) {
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return null;
  }

  // A stored or given value as {setup, engine}, or null when it names no known setup.
  function normalize(value) {
    if (typeof value === "string") value = { setup: value };
    if (!value || typeof value !== "object" || typeof value.setup !== "string" || !find(value.setup)) return null;
    var engine = ENGINES.indexOf(value.engine) >= 0 ? value.engine : DEFAULT_ENGINE;
    return { setup: value.setup, engine: engine };
  }

  function read() {
    var raw = null;
    try { raw = window.localStorage.getItem(KEY); } catch (e) { return null; }
    if (raw === null) return null;
    var parsed = raw;
    try { parsed = JSON.parse(raw); } catch (e) { /* the old bare id */ }
    return normalize(parsed);
  }

  var current = read();

  function announce() {
    var ev;
    try {
      ev = new CustomEvent(EVENT, { detail: current });
    } catch (e) {            // very old browsers
      ev = document.createEvent("CustomEvent");
      ev.initCustomEvent(EVENT, false, false, current);
    }
    document.dispatchEvent(ev);
  }

  function set(value) {
    current = normalize(value);
    try {
      if (current) window.localStorage.setItem(KEY, JSON.stringify(current));
      else window.localStorage.removeItem(KEY);
    } catch (e) { /* storage off: the choice lasts this page */ }
    showCurrent();
    announce();
    return current;
  }

  // another tab changed it
  window.addEventListener("storage", function (ev) {
    if (ev.key !== KEY) return;
    current = read();
    showCurrent();
    announce();
  });

  // -- the header control --------------------------------------------------------
  var button = document.getElementById("llmc-hw-open");
  var dialog = document.getElementById("llmc-hw-dialog");
  var form = document.getElementById("llmc-hw-form");
  var select = document.getElementById("llmc-hw-setup");
  var nameEl = document.getElementById("llmc-hw-current");

  function showCurrent() {
    if (!button) return;
    var s = current ? find(current.setup) : null;
    var engine = current && current.engine === "vllm" ? "vLLM" : "llama.cpp";
    if (nameEl) nameEl.textContent = s ? (s.short || s.label) : "My hardware";
    button.setAttribute("aria-label", s ? "My hardware: " + s.label + ", " + engine + " (change)"
                                        : "My hardware: not chosen (choose)");
    button.title = s ? s.label + " · " + engine : "Choose your hardware";
  }

  function fillSelect() {
    if (!select || select.options.length) return;
    var none = document.createElement("option");
    none.value = "";
    none.textContent = "Choose…";
    select.appendChild(none);
    var group = null, label = null;
    list.forEach(function (s) {
      if (s.group !== label) {
        label = s.group;
        group = document.createElement("optgroup");
        group.label = label || "Other";
        select.appendChild(group);
      }
      var o = document.createElement("option");
      o.value = s.id;
      o.textContent = s.label;
      group.appendChild(o);
    });
  }

  function open() {
    if (!dialog || typeof dialog.showModal !== "function") return;
    fillSelect();
    select.value = current ? current.setup : "";
    var engine = current ? current.engine : DEFAULT_ENGINE;
    Array.prototype.forEach.call(form.querySelectorAll("input[name=engine]"), function (r) {
      r.checked = r.value === engine;
    });
    dialog.returnValue = "";
    dialog.showModal();
    select.focus();
  }

  if (button && dialog && form && select && list.length && typeof dialog.showModal === "function") {
    button.hidden = false;
    button.addEventListener("click", open);
    dialog.addEventListener("close", function () {
      var action = dialog.returnValue;
      if (action === "save") {
        var checked = form.querySelector("input[name=engine]:checked");
        set(select.value ? { setup: select.value, engine: checked ? checked.value : DEFAULT_ENGINE } : null);
      } else if (action === "clear") {
        set(null);
      }
      button.focus();
    });
    showCurrent();
  }

  window.LLMCardsHardware = {
    get: function () { return current ? { setup: current.setup, engine: current.engine } : null; },
    set: set,
    setups: function () { return list.slice(); },
    find: find,
    open: open,
    EVENT: EVENT
  };
})();
