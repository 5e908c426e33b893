/* The election results (issy_elections_view): the table of polling
   stations sorted by any of its columns. The server writes the table in
   the order of the stations' numbers; this script, loaded after the first
   paint, turns each sortable header (<th data-sort="number|text">) into a
   button. A button sorts by its column, descending first for numbers
   (the largest turnout first) and ascending for names; again, the other
   way. The header says how the table is sorted (aria-sort), which screen
   readers announce; numbers are read from each cell's data-value. */
(function (document) {
  "use strict";

  var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true, sensitivity: "base" });

  function value(row, index, kind) {
    var cell = row.cells[index];
    if (kind === "number") { return parseFloat(cell.getAttribute("data-value")) || 0; }
    return cell.textContent.trim();
  }

  function sort(table, header, index) {
    var kind = header.getAttribute("data-sort");
    var current = header.getAttribute("aria-sort");
    var descending = current ? current === "ascending" : kind === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, index, kind), y = value(b, index, kind);
      var order = kind === "number" ? x - y : collator.compare(x, y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function sortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      if (!header.hasAttribute("data-sort")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "issy-elections-sort";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      button.addEventListener("click", function () { sort(table, header, index); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-issy-elections] table[data-sortable]"), sortable);
})(document);
