// SPARQL editor: POST the query to /sparql, show the rows as a table and, when there is a label
// column and a numeric column, a small bar chart. No libraries; everything goes in via textContent.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  if (!form) return;
  var textarea = document.getElementById("sparql-query");
  var statusEl = document.getElementById("sparql-status");
  var results = document.getElementById("sparql-results");
  var chartEl = document.getElementById("sparql-chart");
  var base = form.getAttribute("data-base-iri") || "";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["decimal", "integer", "int", "long", "double", "float", "nonNegativeInteger"];
  var KINDS = [
    ["project", /^doc\/[^\/]+\/[^\/]+\/project\/[^\/]+$/],
    ["legal-basis", /^legal\/[^\/]+$/],
    ["unit", /^unit\/[^\/]+$/]
  ];

  function pageUrl(iri) {
    if (!base || iri.indexOf(base) !== 0) return null;
    var id = iri.slice(base.length);
    for (var i = 0; i < KINDS.length; i++) {
      if (KINDS[i][1].test(id)) return "/" + KINDS[i][0] + "/" + id;
    }
    return "/id/" + id;  // the linked-data view of any other resource of ours
  }

  function isNumeric(term) {
    return term && term.type === "literal" && term.datatype &&
      NUMERIC.indexOf(term.datatype.replace(XSD, "")) >= 0;
  }

  // Thousands separators on the lexical form: no float round trip.
  function group(lexical) {
    var m = /^([+-]?)(\d+)(\.\d+)?$/.exec(lexical);
    if (!m) return lexical;
    return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (m[3] || "");
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function cell(term) {
    var td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      var href = pageUrl(term.value);
      if (href) {
        var a = el("a", term.value);
        a.href = href;
        td.appendChild(a);
      } else {
        td.textContent = term.value;
      }
    } else if (isNumeric(term)) {
      td.textContent = group(term.value);
      td.className = "num";
    } else {
      td.textContent = term.value;
    }
    return td;
  }

  function drawChart(vars, rows) {
    chartEl.textContent = "";
    if (!rows.length || rows.length > 40) return;
    var num = -1, lab = -1;
    vars.forEach(function (v, i) {
      var allNum = rows.every(function (r) { return !r[v] || isNumeric(r[v]); });
      var anyNum = rows.some(function (r) { return isNumeric(r[v]); });
      if (allNum && anyNum) { if (num < 0) num = i; }
      else if (lab < 0 && rows.some(function (r) { return r[v] && r[v].type === "literal"; })) lab = i;
    });
    if (num < 0 || lab < 0) return;
    var nv = vars[num], lv = vars[lab];
    var values = rows.map(function (r) { return r[nv] ? Number(r[nv].value) : 0; });
    var top = Math.max.apply(null, values);
    if (!(top > 0)) return;
    var ns = "http://www.w3.org/2000/svg", rowH = 28, labelW = 260, area = 420;
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "bar-chart");
    svg.setAttribute("role", "img");
    svg.setAttribute("width", labelW + area + 160);
    svg.setAttribute("height", 16 + rows.length * rowH);
    rows.forEach(function (r, i) {
      var y = 8 + i * rowH, w = Math.max(0, Math.round(area * values[i] / top));
      var t = document.createElementNS(ns, "text");
      t.setAttribute("x", labelW - 8); t.setAttribute("y", y + 15);
      t.setAttribute("text-anchor", "end"); t.setAttribute("class", "label");
      var label = r[lv] ? r[lv].value : "";
      t.textContent = label.length > 18 ? label.slice(0, 17) + "…" : label;
      var tip = document.createElementNS(ns, "title");
      tip.textContent = label;
      t.appendChild(tip);
      var rect = document.createElementNS(ns, "rect");
      rect.setAttribute("x", labelW); rect.setAttribute("y", y);
      rect.setAttribute("width", w); rect.setAttribute("height", 20);
      var v = document.createElementNS(ns, "text");
      v.setAttribute("x", labelW + w + 6); v.setAttribute("y", y + 15); v.setAttribute("class", "value");
      v.textContent = r[nv] ? group(r[nv].value) : "";
      svg.appendChild(t); svg.appendChild(rect); svg.appendChild(v);
    });
    var fig = el("figure", null, "chart");
    fig.appendChild(svg);
    fig.appendChild(el("figcaption", nv + " × " + lv));
    chartEl.appendChild(fig);
  }

  function showTable(data) {
    results.textContent = "";
    if (typeof data.boolean === "boolean") {
      results.appendChild(el("p", data.boolean ? "是 yes" : "否 no", "answer"));
      statusEl.textContent = "ASK";
      return;
    }
    var vars = data.head.vars, rows = data.results.bindings;
    var table = el("table", null, "data results");
    table.id = "sparql-table";
    var tr = el("tr");
    vars.forEach(function (v) { tr.appendChild(el("th", v)); });
    var thead = el("thead"); thead.appendChild(tr); table.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      vars.forEach(function (v) { row.appendChild(cell(r[v])); });
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    results.appendChild(table);
    statusEl.textContent = rows.length + " 行结果 rows";
    drawChart(vars, rows);
  }

  function run(event) {
    if (event) event.preventDefault();
    statusEl.textContent = "运行中… running";
    results.textContent = "";
    chartEl.textContent = "";
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: new URLSearchParams({ query: textarea.value })
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (!response.ok) {
        return response.json().then(function (body) {
          var e = body && body.error ? body.error : { title: response.status, detail: "" };
          throw new Error(e.title + ": " + e.detail);
        }, function () { throw new Error("HTTP " + response.status); });
      }
      if (type.indexOf("json") >= 0) return response.json().then(showTable);
      return response.text().then(function (text) {
        results.appendChild(el("pre", text));
        statusEl.textContent = type.split(";")[0];
      });
    }).catch(function (err) {
      statusEl.textContent = "";
      results.appendChild(el("p", "错误 Error — " + err.message, "error"));
    });
  }

  form.addEventListener("submit", run);
  Array.prototype.forEach.call(document.querySelectorAll("button.example"), function (b) {
    b.addEventListener("click", function () {
      textarea.value = b.getAttribute("data-query");
      run();
    });
  });
})();
