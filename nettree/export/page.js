/* nettree's interactive page: node details, and a case walked through live.
 *
 * The page's UI: the form, the path lit on the diagram, the result and the details. The case
 * is walked by the engine (page_engine.js, inlined in the page before this script as
 * `nettreeEngine`), which holds no DOM code and is tested under Node against nettree.traverse.
 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("nettree-data").textContent);
  var engine = nettreeEngine.create(DATA), isUnknown = nettreeEngine.isUnknown;
  var traverse = engine.traverse;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function citeBlock(cite, here) {
    var st = DATA.statements[cite];
    if (st) {
      var kind = st.kind === "qualifying" ? "Qualifying statement" : "Note";
      return el("div", { "class": "cite statement", "data-cite": cite }, [
        el("h4", { text: cite + " \u2014 " + kind + " of recommendation " + st.of + " (not separately rated)" }),
        el("blockquote", { text: st.text })]);
    }
    var rec = DATA.recommendations[cite];
    var statements = rec.statements.map(function (s) {
      var cited = here && here.indexOf(s.id) >= 0;
      return el("li", { "data-cite": s.id, "class": cited ? "cited" : "" }, [
        el("b", { text: s.id + (s.kind === "qualifying" ? " qualifying statement" : " note") +
                        (cited ? " (cited here)" : "") + ": " }),
        document.createTextNode(s.text)]);
    });
    var tone = rec.harm ? "harm" : rec.rank === null ? "unrated" : "strength-" + rec.rank;
    var quote = el("blockquote", { text: rec.text });
    if (rec.colours) { quote.style.borderLeftColor = rec.colours[0]; }
    return el("div", { "class": "cite recommendation " + tone, "data-cite": cite }, [
      el("h4", { text: "Recommendation " + cite + " \u2014 " + rec.category }),
      el("p", { "class": "rating", text: rec.rating + (rec.harm ? " \u2014 harm" : "") }),
      quote,
      statements.length ? el("ul", { "class": "statements" }, statements) : null]);
  }

  function showDetails(nodeId) {
    var body = document.getElementById("nettree-details-body");
    body.textContent = "";
    document.querySelectorAll(".nettree-selected").forEach(function (n) { n.classList.remove("nettree-selected"); });
    var g = document.getElementById(DATA.keys[nodeId]);
    if (g) { g.classList.add("nettree-selected"); }
    var decision = DATA.decisions[nodeId];
    if (decision) {
      body.appendChild(el("p", { "class": "kind", text: "Decision \u00b7 " + nodeId }));
      body.appendChild(el("h3", { "class": "question", text: decision.question }));
      body.appendChild(el("ul", { "class": "answers" }, decision.branches.map(function (b) {
        return el("li", {}, [el("b", { text: b.answer }), document.createTextNode(" \u2014 when " + b.text)]);
      })));
      if (decision.encoding) { body.appendChild(el("p", { "class": "encoding", text: "Encoding: " + decision.encoding })); }
      return;
    }
    var leaf = DATA.leaves[nodeId];
    var words = { recommendation: "Recommendation leaf", needs_information: "Needs information",
                  out_of_scope: "Out of scope" };
    body.appendChild(el("p", { "class": "kind", text: words[leaf.kind] + " \u00b7 " + nodeId }));
    body.appendChild(el("h3", { text: leaf.label }));
    if (leaf.reason) { body.appendChild(el("p", { text: leaf.reason })); }
    if (leaf.missing.length) { body.appendChild(el("p", { text: "Needs: " + leaf.missing.map(called).join(", ") })); }
    if (leaf.cites.length) {
      body.appendChild(el("p", { "class": "hint", text: "What this leaf cites, verbatim:" }));
      leaf.cites.forEach(function (c) {
        var st = DATA.statements[c];
        if (st && leaf.cites.indexOf(st.of) >= 0) { return; }  // listed with its recommendation
        body.appendChild(citeBlock(c, leaf.cites));
      });
    }
    if (leaf.readings.length) {  // the drawing's numbered notes: how the citations are read
      body.appendChild(el("p", { "class": "hint", text: "How some of its citations are read (the drawing's notes):" }));
      body.appendChild(el("ol", { "class": "readings" }, leaf.readings.map(function (r) {
        return el("li", { "class": "encoding", text: r });
      })));
    }
    if (leaf.encoding) { body.appendChild(el("p", { "class": "encoding", text: "Encoding: " + leaf.encoding })); }
  }

  // The form: one control per patient field.
  var form = document.getElementById("nettree-form");

  function notGiven(f) {
    return f.has_default ? "not given: " + f.if_absent : "not given (unknown)";
  }

  // A field named in a sentence: its label, else its name (as Field.called in Python).
  function called(name) {
    var f = DATA.fields.filter(function (x) { return x.name === name; })[0];
    return (f && f.label) || name;
  }
  // A field and its values in the guideline file's display words, where it gives them.
  function fieldLabel(f) {
    var text = f.label || f.name.replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  function phrase(f, v) {
    return (f.phrases && f.phrases[v]) || (f.type === "boolean" ? (v === "true" ? "yes" : "no") : v);
  }

  function buildForm() {
    DATA.fields.forEach(function (f) {
      if (f.computed) { return; }  // derived from other fields, never given
      var id = "nettree-field-" + f.name, control;
      if (f.type === "set") {
        var boxes = [el("label", { "class": "check" }, [
          el("input", { type: "checkbox", name: f.name, value: "", "data-unknown": "1", checked: "checked" }),
          document.createTextNode(notGiven(f))])];
        f.values.forEach(function (v) {
          boxes.push(el("label", { "class": "check" }, [
            el("input", { type: "checkbox", name: f.name, value: v }), document.createTextNode(phrase(f, v))]));
        });
        control = el("div", { "class": "set", id: id }, boxes);
      } else if (f.type === "number") {
        control = el("input", { type: "number", name: f.name, id: id, step: "any",
                                min: f.min === null ? "" : f.min, max: f.max === null ? "" : f.max,
                                placeholder: notGiven(f) });
      } else {
        // A default value means what "not given" means: offered once, as "not given".
        var choices = (f.type === "boolean" ? ["true", "false"] : f.values).filter(function (v) {
          return !(f.has_default && f.type === "choice" && v === f["default"]);
        });
        control = el("select", { name: f.name, id: id },
          [el("option", { value: "", text: notGiven(f) })].concat(choices.map(function (v) {
            return el("option", { value: v, text: phrase(f, v) });
          })));
      }
      form.appendChild(el("div", { "class": "field", "data-field": f.name }, [
        el("label", { "for": id, title: f.name, text: fieldLabel(f) }),
        el("span", { "class": "description", text: f.description }),
        control]));
    });
  }

  function readForm() {
    var patient = {};
    DATA.fields.forEach(function (f) {
      if (f.computed) { return; }
      if (f.type === "set") {
        var inputs = form.querySelectorAll('input[name="' + f.name + '"]');
        var unknown = false, chosen = [];
        inputs.forEach(function (i) {
          if (i.dataset.unknown) { unknown = i.checked; } else if (i.checked) { chosen.push(i.value); }
        });
        if (!unknown) { patient[f.name] = chosen; }
        return;
      }
      var control = form.querySelector('[name="' + f.name + '"]');
      var text = control.value;
      if (text === "") { return; }
      if (f.type === "boolean") { patient[f.name] = text === "true"; }
      else if (f.type === "number") { patient[f.name] = Number(text); }
      else { patient[f.name] = text; }
    });
    return patient;
  }

  function fillForm(patient) {
    DATA.fields.forEach(function (f) {
      if (f.computed) { return; }
      var value = patient ? patient[f.name] : null;
      if (f.type === "set") {
        form.querySelectorAll('input[name="' + f.name + '"]').forEach(function (i) {
          if (i.dataset.unknown) { i.checked = isUnknown(value); }
          else { i.checked = !isUnknown(value) && [].concat(value).indexOf(i.value) >= 0; }
        });
        return;
      }
      var control = form.querySelector('[name="' + f.name + '"]');
      control.value = isUnknown(value) ? "" : String(value);
    });
  }

  /* In the leaf the case reached, mark the options it offers and those it excludes. */
  var MARKS = { offered: "\u2713", excluded: "\u2717" };
  function markOptions(res) {
    var last = res.path[res.path.length - 1];
    if (!res.leaf || !last || last.node !== res.leaf || last.answer === null) { return; }
    var g = document.getElementById(DATA.keys[res.leaf]);
    if (!g) { return; }
    [["offered", res.options], ["excluded", res.excluded]].forEach(function (pair) {
      pair[1].forEach(function (o) {
        var lines = g.querySelectorAll('text.option[data-option="' + o.id + '"]');
        if (!lines.length) { return; }
        lines.forEach(function (t) { t.classList.add(pair[0]); });
        var mark = document.createElementNS("http://www.w3.org/2000/svg", "text");
        mark.setAttribute("x", "8");
        mark.setAttribute("y", lines[0].getAttribute("y"));
        mark.setAttribute("class", "mark " + pair[0]);
        mark.setAttribute("data-option", o.id);
        mark.textContent = MARKS[pair[0]];
        g.appendChild(mark);
      });
    });
    (res.not_recommended || []).forEach(function (o) {
      g.querySelectorAll('text.advice[data-option="' + o.id + '"]').forEach(function (t) {
        t.classList.add("applies");
      });
    });
  }

  function highlight(res) {
    document.querySelectorAll("#nettree-svg .nettree-path, #nettree-svg .nettree-stop").forEach(function (n) {
      n.classList.remove("nettree-path");
      n.classList.remove("nettree-stop");
    });
    document.querySelectorAll("#nettree-svg text.mark").forEach(function (m) { m.parentNode.removeChild(m); });
    document.querySelectorAll("#nettree-svg text.option").forEach(function (t) {
      t.classList.remove("offered");
      t.classList.remove("excluded");
    });
    document.querySelectorAll("#nettree-svg text.advice").forEach(function (t) {
      t.classList.remove("applies");
    });
    if (!res || res.error) { return; }
    var svg = document.getElementById("nettree-svg");
    res.path.forEach(function (step, i) {
      var g = document.getElementById(DATA.keys[step.node]);
      if (g) { g.classList.add("nettree-path"); }
      var last = i === res.path.length - 1;
      if (last && step.answer === null && res.status === "needs_information" && g) { g.classList.add("nettree-stop"); }
      if (!last && step.answer !== null && step.answer !== "either way") {
        var next = res.path[i + 1].node;
        DATA.edges.forEach(function (e) {
          if (e.source === DATA.keys[step.node] && e.target === DATA.keys[next]) {
            var edge = document.getElementById(e.key);
            edge.classList.add("nettree-path");
            edge.parentNode.appendChild(edge);  // drawn last: on top of the others
          }
        });
      }
    });
    markOptions(res);
    var firstNode = svg.querySelector("g.nettree-node");
    document.querySelectorAll("#nettree-svg g.nettree-edge.nettree-path").forEach(function (e) {
      svg.insertBefore(e, firstNode);
    });
  }

  function showResult(res) {
    var box = document.getElementById("nettree-result");
    box.textContent = "";
    form.querySelectorAll(".field").forEach(function (f) { f.classList.remove("wanted"); });
    if (res.error) {
      box.className = "error";
      box.appendChild(el("p", { "class": "status", text: res.error }));
      return;
    }
    box.className = res.status;
    var words = { recommendation: "Recommendation", needs_information: "Needs information",
                  out_of_scope: "Out of scope" };
    box.appendChild(el("p", { "class": "status", "data-status": res.status, text: words[res.status] }));
    if (res.reason) { box.appendChild(el("p", { "class": "reason", text: res.reason })); }
    if (res.missing.length) {
      box.appendChild(el("p", { "class": "missing", text: "To go on, give: " + res.missing.map(called).join(", ") }));
      res.missing.forEach(function (m) {
        var f = form.querySelector('.field[data-field="' + m + '"]');
        if (f) { f.classList.add("wanted"); }
      });
    }
    box.appendChild(el("ol", { "class": "path" }, res.path.map(function (step) {
      var answer = step.kind === "decision" ? (step.answer === null ? " \u2192 unknown: stopped here" :
        step.answer === "either way" ? " \u2192 either way (unknown, but every answer leads to this result)" :
        " \u2192 " + step.answer) :
        (step.answer === null ? " \u2014 stopped: the options depend on unknown data" : "");
      return el("li", { "data-node": step.node }, [document.createTextNode(step.text + answer)]);
    })));
    function cited(cites) {
      return cites.map(function (c) {
        var rec = DATA.recommendations[c];
        return rec ? c + " (" + rec.codes.join("\u00b7") + (rec.harm ? ", harm" : "") + ")" : c;
      }).join(", ");
    }
    var notRecommended = res.not_recommended || [];
    if (notRecommended.length) {
      box.appendChild(el("h3", { "class": "not-recommended", text: "\u26a0 Not recommended for this case" }));
      box.appendChild(el("ul", { "class": "not-recommended" }, notRecommended.map(function (o) {
        return el("li", { "data-option": o.id }, [el("b", { text: "\u26a0 not recommended: " + o.label }),
          document.createTextNode(" \u2014 " + cited(o.cites))]);
      })));
    }
    if (res.options.length) {
      var labels = {};
      res.options.forEach(function (o) { labels[o.id] = o.label; });
      var preference = res.options.some(function (o) { return o.preferred_over; });
      box.appendChild(el("h3", { text: res.options.length === 1 ? "Option" : preference ?
        "Options (not ranked, except where a preference is stated)" : "Options (not ranked)" }));
      box.appendChild(el("ul", { "class": "options" }, res.options.map(function (o) {
        var over = o.preferred_over ? el("span", { "class": "preferred", text: " \u2014 preferred over " +
          o.preferred_over.map(function (p) { return labels[p]; }).join(", ") }) : null;
        return el("li", { "data-option": o.id }, [el("b", { text: o.label }), over,
          document.createTextNode(" \u2014 " + cited(o.cites))]);
      })));
    }
    if (res.excluded.length) {
      box.appendChild(el("h3", { text: "Excluded" }));
      box.appendChild(el("ul", { "class": "excluded" }, res.excluded.map(function (x) {
        return el("li", { "data-option": x.id }, [el("b", { text: x.label }), document.createTextNode(": " + x.reason)]);
      })));
    }
    if (res.notes.length) {
      box.appendChild(el("h3", { text: "Notes" }));
      box.appendChild(el("ul", { "class": "notes" }, res.notes.map(function (n) {
        var may = n.unknown.length ? " (may apply, if known: " + n.unknown.map(called).join(", ") + ")" : "";
        return el("li", { "data-note": n.id }, [el("b", { text: n.id + may + ": " }),
          document.createTextNode(n.text)].concat(n.remarks.map(function (r) {
            return el("div", { "class": "remark", text: r });
          })));
      })));
    }
    if (res.general.length) {
      box.appendChild(el("p", { "class": "general", text: "General recommendations for everyone in scope: " + res.general.join(", ") }));
    }
    if (res.assumed.length) {
      box.appendChild(el("p", { "class": "assumed", text: "Assumed: " + res.assumed.map(function (a) {
        return called(a.field) + " not given: " + (a.meaning || String(a.value)); }).join("; ") }));
    }
  }

  var cleared = false;
  function update() {
    var patient = readForm();
    var res = traverse(patient);
    var given = Object.keys(patient).length || (DATA.patient !== null && !cleared);
    highlight(given ? res : null);  // no case yet: nothing lit
    showResult(res);
    if (given && !res.error && res.path.length) {  // keep the end of the path in sight
      var end = document.getElementById(DATA.keys[res.path[res.path.length - 1].node]);
      if (end && end.scrollIntoView) { end.scrollIntoView({ block: "nearest", inline: "nearest" }); }
    }
    return res;
  }

  var zoom = 1;
  function setZoom(z) {
    var svg = document.getElementById("nettree-svg");
    zoom = Math.max(0.2, Math.min(3, z));
    svg.style.width = (svg.viewBox.baseVal.width * zoom) + "px";
    svg.style.height = (svg.viewBox.baseVal.height * zoom) + "px";
  }
  function fit() {
    var box = document.getElementById("nettree-diagram");
    var svg = document.getElementById("nettree-svg");
    setZoom(Math.min(1, (box.clientWidth - 8) / svg.viewBox.baseVal.width));
  }

  buildForm();
  form.addEventListener("change", function (event) {
    var t = event.target;
    if (t.type === "checkbox") {
      var boxes = form.querySelectorAll('input[name="' + t.name + '"]');
      if (t.dataset.unknown && t.checked) { boxes.forEach(function (b) { if (!b.dataset.unknown) { b.checked = false; } }); }
      if (!t.dataset.unknown && t.checked) { boxes.forEach(function (b) { if (b.dataset.unknown) { b.checked = false; } }); }
    }
    update();
  });
  form.addEventListener("input", function (event) { if (event.target.type === "number") { update(); } });
  document.getElementById("nettree-clear").addEventListener("click", function () { cleared = true; fillForm(null); update(); });
  document.querySelectorAll("#nettree-svg g.nettree-node").forEach(function (g) {
    // Details are shown where they can be read, however the side panel is scrolled.
    function reveal() {
      showDetails(g.dataset.node);
      document.getElementById("nettree-details").scrollIntoView({ block: "nearest" });
    }
    g.addEventListener("click", reveal);
    g.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); reveal(); }
    });
  });
  document.getElementById("nettree-zoom-in").addEventListener("click", function () { setZoom(zoom * 1.25); });
  document.getElementById("nettree-zoom-out").addEventListener("click", function () { setZoom(zoom / 1.25); });
  document.getElementById("nettree-zoom-fit").addEventListener("click", fit);
  fillForm(DATA.patient);
  // Readable text first (Fit shows the whole graph), opened on the top of the graph: the
  // start is centred; a case's path then scrolls its end into view.
  setZoom(1);
  (function () {
    var box = document.getElementById("nettree-diagram");
    var start = document.getElementById(DATA.keys[DATA.start]);
    if (!start || !start.getBoundingClientRect) { return; }
    var r = start.getBoundingClientRect(), b = box.getBoundingClientRect();
    box.scrollLeft = Math.max(0, box.scrollLeft + r.left - b.left + r.width / 2 - box.clientWidth / 2);
    box.scrollTop = 0;
  }());
  update();

  window.nettree = { data: DATA, traverse: traverse, showDetails: showDetails, update: update,
                     fill: function (p) { fillForm(p); return update(); } };
}());
