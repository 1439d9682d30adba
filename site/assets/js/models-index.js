// Models index: sort by any column, filter by the form above the table.
// Plain DOM, no library; rows carry their raw values as data-* attributes.
(function () {
  "use strict";
  var table = document.getElementById("models-table");
  var form = document.getElementById("model-filters");
  if (!table || !form) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var count = document.getElementById("model-count");
  var sortKey = null, sortDir = 1;

  function num(v) { return v === "" || v === undefined ? null : Number(v); }

  function compare(a, b, key, type) {
    var x = a.dataset[key] || "", y = b.dataset[key] || "";
    if (type === "num") {
      var nx = num(x), ny = num(y);
      if (nx === null && ny === null) return 0;
      if (nx === null) return 1;   // unknown values sort last either way
      if (ny === null) return -1;
      return (nx - ny) * sortDir;
    }
    if (x === "" && y !== "") return 1;
    if (y === "" && x !== "") return -1;
    return x.localeCompare(y, undefined, { sensitivity: "base", numeric: true }) * sortDir;
  }

  function sortBy(th) {
    var key = th.dataset.key, type = th.dataset.type;
    sortDir = sortKey === key ? -sortDir : 1;
    sortKey = key;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
    rows.sort(function (a, b) { return compare(a, b, key, type) || a.dataset.id.localeCompare(b.dataset.id); });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function matches(r, f) {
    if (f.organization && r.dataset.organization !== f.organization) return false;
    if (f.arch && r.dataset.arch !== f.arch) return false;
    if (f.license && r.dataset.license !== f.license) return false;
    if (f.open && r.dataset.open !== f.open) return false;
    if (f.modality && (" " + r.dataset.modalities + " ").indexOf(" " + f.modality + " ") < 0) return false;
    if (f.params) {
      var parts = f.params.split(":"), total = num(r.dataset.total);
      if (total === null) return false;
      if (total < Number(parts[0])) return false;
      if (parts[1] !== "" && total >= Number(parts[1])) return false;
    }
    if (f.context) {
      var ctx = num(r.dataset.context);
      if (ctx === null || ctx < Number(f.context)) return false;
    }
    return true;
  }

  function applyFilters() {
    var f = {};
    Array.prototype.forEach.call(form.elements, function (el) { if (el.name) f[el.name] = el.value; });
    var shown = 0;
    rows.forEach(function (r) {
      var ok = matches(r, f);
      r.hidden = !ok;
      if (ok) shown++;
    });
    if (count) count.textContent = shown + " of " + rows.length + " shown";
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    th.tabIndex = 0;
    th.classList.add("llmc-sortable");
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(th); });
  });
  form.addEventListener("change", applyFilters);
  applyFilters();
})();
