/// The report page's one script. It takes no data from its own text: it reads the cases from the
/// `application/json` block, and builds every element with `textContent`, never `innerHTML`, so
/// model output is always shown as text. The Content-Security-Policy admits only this script (by
/// its SHA-256), so even markup that escaped escaping could not run a script of its own.
enum HTMLScript {
    static let source = #"""
(function () {
  "use strict";
  var cases = JSON.parse(document.getElementById("evalgate-data").textContent);
  var PAGE = 100;
  var state = { suite: "", status: "", change: "", tag: "", q: "", sort: "", desc: "", page: 0, open: "" };
  var rank = { regressed: 0, dropped: 1, fixed: 3, changed: 4, "new": 5, same: 6, uncompared: 6 };
  var statusRank = { fail: 0, error: 1, pass: 2 };

  // Control characters and bidi overrides from a model are shown as \u{1B}, never applied.
  var hidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;
  function visible(text) {
    return String(text).replace(hidden, function (c) { return "\\u{" + c.charCodeAt(0).toString(16).toUpperCase() + "}"; });
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = visible(text);
    return node;
  }
  function keyOf(c) { return c.s + "/" + c.c; }

  function readHash() {
    var text = location.hash.replace(/^#/, "");
    text.split("&").forEach(function (pair) {
      if (!pair) return;
      var at = pair.indexOf("=");
      var name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      var value = at < 0 ? "" : decodeURIComponent(pair.slice(at + 1));
      if (Object.prototype.hasOwnProperty.call(state, name)) state[name] = name === "page" ? (parseInt(value, 10) || 0) : value;
    });
  }
  function writeHash() {
    var parts = [];
    Object.keys(state).forEach(function (name) {
      if (state[name] !== "" && state[name] !== 0) parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(state[name]));
    });
    var next = parts.length ? "#" + parts.join("&") : "#";
    if (location.hash !== next) history.replaceState(null, "", next);
  }

  function fill(select, values) {
    values.forEach(function (value) {
      var option = el("option", null, value);
      option.value = value;
      select.appendChild(option);
    });
  }
  function distinct(pick) {
    var seen = Object.create(null), out = [];
    cases.forEach(function (c) {
      [].concat(pick(c)).forEach(function (value) {
        if (value !== undefined && value !== null && !seen[value]) { seen[value] = true; out.push(value); }
      });
    });
    return out.sort();
  }

  var controls = {
    suite: document.getElementById("filter-suite"), status: document.getElementById("filter-status"),
    change: document.getElementById("filter-change"), tag: document.getElementById("filter-tag"), q: document.getElementById("filter-q")
  };
  fill(controls.suite, distinct(function (c) { return c.s; }));
  fill(controls.status, distinct(function (c) { return c.st; }));
  fill(controls.change, distinct(function (c) { return c.ch; }));
  fill(controls.tag, distinct(function (c) { return c.t; }));

  function matches(c) {
    if (state.suite && c.s !== state.suite) return false;
    if (state.status && c.st !== state.status) return false;
    if (state.change && c.ch !== state.change) return false;
    if (state.tag && c.t.indexOf(state.tag) < 0) return false;
    if (state.q) {
      var q = state.q.toLowerCase();
      if (keyOf(c).toLowerCase().indexOf(q) < 0 && (c.r || "").toLowerCase().indexOf(q) < 0) return false;
    }
    return true;
  }
  function compare(a, b) {
    var x, y;
    switch (state.sort) {
      case "case": x = keyOf(a); y = keyOf(b); break;
      case "status": x = statusRank[a.st]; y = statusRank[b.st]; break;
      case "change": x = rank[a.ch]; y = rank[b.ch]; break;
      case "score": x = a.sc; y = b.sc; break;
      case "latency": x = a.l; y = b.l; break;
      case "cost": x = a.$ === null ? -1 : a.$; y = b.$ === null ? -1 : b.$; break;
      default:
        x = rank[a.ch] * 10 + statusRank[a.st]; y = rank[b.ch] * 10 + statusRank[b.st];
        if (x === y) { x = keyOf(a); y = keyOf(b); }
    }
    var order = x < y ? -1 : x > y ? 1 : 0;
    return state.desc === "1" ? -order : order;
  }

  var rows = document.getElementById("case-rows");
  var shown = document.getElementById("shown");
  var pager = document.getElementById("pager");

  function badge(kind, text) { return el("span", "badge " + kind, text); }
  function money(value) { return value === null || value === undefined ? "–" : "$" + value.toFixed(value >= 1 ? 2 : 4); }
  function millis(value) { return value >= 1000 ? (value / 1000).toFixed(2) + " s" : Math.round(value) + " ms"; }

  function render() {
    var list = cases.filter(matches).sort(compare);
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    while (rows.firstChild) rows.removeChild(rows.firstChild);
    list.slice(state.page * PAGE, state.page * PAGE + PAGE).forEach(function (c) {
      var tr = el("tr");
      tr.setAttribute("data-key", keyOf(c));
      tr.setAttribute("data-status", c.st);
      tr.tabIndex = 0;
      tr.appendChild(el("td", null, c.s));
      tr.appendChild(el("td", "mono", c.c));
      var status = el("td"); status.appendChild(badge(c.st, c.st)); tr.appendChild(status);
      var change = el("td"); change.appendChild(badge("change-" + c.ch, c.ch)); tr.appendChild(change);
      tr.appendChild(el("td", "num", (c.sc * 100).toFixed(0) + "%"));
      tr.appendChild(el("td", "num", millis(c.l)));
      tr.appendChild(el("td", "num", money(c.$)));
      tr.appendChild(el("td", "reason", c.r || ""));
      tr.addEventListener("click", function () { state.open = keyOf(c); writeHash(); showDetail(true); });
      tr.addEventListener("keydown", function (event) { if (event.key === "Enter") { state.open = keyOf(c); writeHash(); showDetail(true); } });
      rows.appendChild(tr);
    });
    shown.textContent = list.length + " of " + cases.length + " cases";
    shown.setAttribute("data-count", String(list.length));
    while (pager.firstChild) pager.removeChild(pager.firstChild);
    if (pages > 1) {
      var back = el("button", null, "‹ previous"), next = el("button", null, "next ›");
      back.disabled = state.page === 0; next.disabled = state.page >= pages - 1;
      back.addEventListener("click", function () { state.page -= 1; writeHash(); render(); });
      next.addEventListener("click", function () { state.page += 1; writeHash(); render(); });
      pager.appendChild(back);
      pager.appendChild(el("span", null, "page " + (state.page + 1) + " of " + pages));
      pager.appendChild(next);
    }
    document.querySelectorAll("th[data-sort]").forEach(function (th) {
      th.setAttribute("aria-sort", th.getAttribute("data-sort") === state.sort ? (state.desc === "1" ? "descending" : "ascending") : "none");
    });
  }

  function tokens(text) { return text.split(/(\s+)/).filter(function (part) { return part !== ""; }); }
  // Word differences by longest common subsequence; too long a pair is marked whole.
  function diff(before, after) {
    var a = tokens(before), b = tokens(after);
    if (a.length * b.length > 4000000) return { left: [[before, true]], right: [[after, true]] };
    var n = a.length, m = b.length, table = new Array(n + 1);
    for (var i = 0; i <= n; i++) { table[i] = new Uint32Array(m + 1); }
    for (i = n - 1; i >= 0; i--) {
      for (var j = m - 1; j >= 0; j--) {
        table[i][j] = a[i] === b[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
      }
    }
    var left = [], right = [];
    i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { left.push([a[i], false]); right.push([b[j], false]); i++; j++; }
      else if (j < m && (i >= n || table[i][j + 1] >= table[i + 1][j])) { right.push([b[j], true]); j++; }
      else { left.push([a[i], true]); i++; }
    }
    return { left: left, right: right };
  }
  function marked(parts, tag) {
    var pre = el("pre", "output");
    parts.forEach(function (part) { pre.appendChild(part[1] && /\S/.test(part[0]) ? el(tag, null, part[0]) : document.createTextNode(visible(part[0]))); });
    return pre;
  }
  function section(parent, title) { var box = el("section", "part"); box.appendChild(el("h4", null, title)); parent.appendChild(box); return box; }
  function field(parent, name, value) {
    if (value === undefined || value === null || value === "") return;
    var row = el("div", "field"); row.appendChild(el("span", "label", name)); row.appendChild(el("span", "mono", value)); parent.appendChild(row);
  }

  // The stored request, `{"messages": [{role, content}], "vars": {…}}`, as role: content paragraphs.
  function promptOf(c) {
    if (!c.q) return "";
    try {
      var request = JSON.parse(c.q);
      return (request.messages || []).map(function (message) {
        return message.role + ": " + (typeof message.content === "string" ? message.content : JSON.stringify(message.content));
      }).join("\n\n");
    } catch (error) {
      return c.q;
    }
  }

  var panel = document.getElementById("detail");
  function showDetail(scroll) {
    while (panel.firstChild) panel.removeChild(panel.firstChild);
    var c = null;
    for (var i = 0; i < cases.length; i++) { if (keyOf(cases[i]) === state.open) { c = cases[i]; break; } }
    panel.hidden = c === null;
    if (c === null) return;
    var head = el("div", "detail-head");
    head.appendChild(el("h3", "mono", keyOf(c)));
    head.appendChild(badge(c.st, c.st));
    head.appendChild(badge("change-" + c.ch, c.ch));
    var close = el("button", "close", "close ×");
    close.addEventListener("click", function () { state.open = ""; writeHash(); showDetail(); });
    head.appendChild(close);
    panel.appendChild(head);
    var meta = el("div", "meta");
    field(meta, "kind", c.k);
    field(meta, "tags", c.t.join(", "));
    field(meta, "score", (c.sc * 100).toFixed(1) + "%");
    field(meta, "latency", millis(c.l));
    field(meta, "cost", money(c.$));
    panel.appendChild(meta);
    var prompt = promptOf(c);
    if (prompt) { section(panel, "Prompt").appendChild(el("pre", "output", prompt)); }

    var first = c.x[0] || {};
    var now = first.o === undefined || first.o === null ? "" : first.o;
    var sides = section(panel, c.b ? "Baseline and this run (sample " + (first.n || 0) + "), differences marked" : "Output (sample " + (first.n || 0) + ")");
    var grid = el("div", c.b ? "sides" : "sides single");
    if (c.b) {
      var then = c.b.o === null || c.b.o === undefined ? "" : c.b.o;
      var parts = diff(then, now);
      var left = el("div", "side"); left.appendChild(el("div", "side-title", "baseline · " + c.b.st)); left.appendChild(marked(parts.left, "del"));
      var right = el("div", "side"); right.appendChild(el("div", "side-title", "this run · " + (first.st || ""))); right.appendChild(marked(parts.right, "ins"));
      grid.appendChild(left); grid.appendChild(right);
    } else {
      var only = el("div", "side"); only.appendChild(el("pre", "output", now)); grid.appendChild(only);
    }
    sides.appendChild(grid);

    c.x.forEach(function (sample) {
      var box = section(panel, "Sample " + sample.n + " · " + sample.st);
      box.setAttribute("data-sample", String(sample.n));
      if (sample.e) box.appendChild(el("p", "error", sample.e));
      if (sample.ck.length) {
        var list = el("ul", "checks");
        sample.ck.forEach(function (check) {
          var item = el("li", check[0] ? "ok" : "bad");
          item.appendChild(el("span", "mark", check[0] ? "✓" : "✗"));
          item.appendChild(el("span", "mono", check[1]));
          item.appendChild(document.createTextNode(" " + visible(check[2])));
          list.appendChild(item);
        });
        box.appendChild(list);
      }
      if (sample.tc && sample.tc.length) {
        box.appendChild(el("h5", null, "Tool calls"));
        box.appendChild(el("pre", "output", sample.tc.map(function (call) { return call.name + " " + JSON.stringify(call.arguments, null, 2); }).join("\n")));
      }
      if (c.x.length > 1 && sample.o !== null && sample.o !== undefined) { box.appendChild(el("h5", null, "Output")); box.appendChild(el("pre", "output", sample.o)); }
      var facts = el("div", "meta");
      field(facts, "request id", sample.id);
      field(facts, "latency", millis(sample.l));
      if (sample.u) field(facts, "tokens", (sample.u[0] === null ? "?" : sample.u[0]) + " in / " + (sample.u[1] === null ? "?" : sample.u[1]) + " out");
      field(facts, "served model", sample.m);
      if (sample.ca) field(facts, "cached", "yes");
      box.appendChild(facts);
    });
    if (scroll) panel.scrollIntoView({ block: "start" });
  }

  Object.keys(controls).forEach(function (name) {
    controls[name].addEventListener(name === "q" ? "input" : "change", function () { state[name] = controls[name].value; state.page = 0; writeHash(); render(); });
  });
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      if (state.sort === key) { state.desc = state.desc === "1" ? "" : "1"; } else { state.sort = key; state.desc = ""; }
      writeHash(); render();
    });
  });
  window.addEventListener("hashchange", function () { readHash(); sync(); render(); showDetail(true); });
  function sync() { Object.keys(controls).forEach(function (name) { controls[name].value = state[name]; }); }

  readHash();
  sync();
  render();
  showDetail();
  document.body.setAttribute("data-ready", "1");
})();
"""#
}
