/* nettree's page engine: a case walked through a guideline, as nettree/traverse.py does.
 *
 * It mirrors nettree/traverse.py step for step: conditions are data evaluated in three values
 * (true, false, null for unknown) under Kleene's rules; a leaf's steps, the guideline's
 * filters, the fallback and the notes are applied as data. No clinical rule is written here,
 * and nothing of a page: no DOM, no window. The tests run it under Node and compare it with
 * the Python engine on a patient of every class verification enumerates
 * (tests/test_page_engine.py, tests/js/engine_check.mjs).
 *
 * Usable as CommonJS (`require(...)`, Node) and as a plain script (the page inlines it
 * before its UI): either way it gives {create, isUnknown}; create(data) takes the data
 * nettree.export.html.page_data() builds and returns {traverse, validate, ...}.
 */
(function (root, factory) {
  "use strict";
  var engine = factory();
  if (typeof module === "object" && module && module.exports) { module.exports = engine; }
  else { root.nettreeEngine = engine; }
}(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  function isUnknown(v) { return v === null || v === undefined; }

  /* A derived value known in part (nettree.conditions.Possible): {possible, inputs, gap}. */
  function isPossible(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v) && v.possible !== undefined;
  }

  /* The engine for one guideline's page data. */
  function create(DATA) {
    var FIELD_ORDER = DATA.fields.map(function (f) { return f.name; });
    var FIELDS = {};
    DATA.fields.forEach(function (f) { FIELDS[f.name] = f; });
    var CITE_ORDER = {};
    DATA.cite_order.forEach(function (c, i) { CITE_ORDER[c] = i; });
    var OPTION_ORDER = {};
    DATA.option_order.forEach(function (o, i) { OPTION_ORDER[o] = i; });
    var NAMED = DATA.conditions;  // the named conditions: {name: {label, when}}

    var TESTS = {
      is: function (v, x) { return v === x; },
      in: function (v, x) { return x.indexOf(v) >= 0; },
      below: function (v, x) { return v < x; },
      at_most: function (v, x) { return v <= x; },
      above: function (v, x) { return v > x; },
      at_least: function (v, x) { return v >= x; },
      contains: function (v, x) { return v.indexOf(x) >= 0; },
      empty: function (v, x) { return (v.length === 0) === x; }
    };

    function evaluate(c, ctx) {
      var i, v, result;
      switch (c.t) {
        case "field":
          v = ctx.values[c.f];
          if (isPossible(v)) {  // decided when every possible value decides it alike
            ctx.reads.set(c.f, null);
            var outcomes = new Set(v.possible.map(function (x) { return TESTS[c.op](x, c.v); }));
            return outcomes.size === 1 && !v.gap ? outcomes.values().next().value : null;
          }
          ctx.reads.set(c.f, isUnknown(v) ? null : v);
          if (isUnknown(v)) { return null; }
          return TESTS[c.op](v, c.v);
        case "all":
          result = true;
          for (i = 0; i < c.p.length; i++) {
            v = evaluate(c.p[i], ctx);
            if (v === false) { return false; }
            if (v === null) { result = null; }
          }
          return result;
        case "any":
          result = false;
          for (i = 0; i < c.p.length; i++) {
            v = evaluate(c.p[i], ctx);
            if (v === true) { return true; }
            if (v === null) { result = null; }
          }
          return result;
        case "not":
          v = evaluate(c.p, ctx);
          return v === null ? null : !v;
        case "offered":
          return c.o.some(function (o) { return ctx.offered.has(o); });
        case "is":
          return evaluate(NAMED[c.n].when, ctx);
        case "cited":
          var found = false;
          ctx.offered.forEach(function (cites) {
            if (cites.some(function (x) { return c.c.indexOf(x) >= 0; })) { found = true; }
          });
          return found;
      }
      throw new Error("unknown condition " + c.t);
    }

    function missingOf(c, ctx) {
      var out = new Set();
      switch (c.t) {
        case "field":
          if (isPossible(ctx.values[c.f])) {  // its inputs, never the derived field
            if (evaluate(c, ctx) === null) { ctx.values[c.f].inputs.forEach(function (m) { out.add(m); }); }
          } else if (isUnknown(ctx.values[c.f])) { out.add(c.f); }
          return out;
        case "all":
        case "any":
          if (evaluate(c, ctx) !== null) { return out; }
          c.p.forEach(function (p) {
            if (evaluate(p, ctx) === null) { missingOf(p, ctx).forEach(function (m) { out.add(m); }); }
          });
          return out;
        case "not":
          return missingOf(c.p, ctx);
        case "is":
          return missingOf(NAMED[c.n].when, ctx);
        default:
          return out;
      }
    }

    function ordered(names) {
      return Array.from(names).sort(function (a, b) {
        var i = FIELD_ORDER.indexOf(a), j = FIELD_ORDER.indexOf(b);
        return (i < 0 ? FIELD_ORDER.length : i) - (j < 0 ? FIELD_ORDER.length : j);
      });
    }

    function showValue(v) {
      if (v === true) { return "true"; }
      if (v === false) { return "false"; }
      return typeof v === "string" ? "'" + v + "'" : String(v);
    }

    function allowed(f) {
      if (f.type === "boolean") { return "true or false"; }
      if (f.type === "number") {
        return (f.integer ? "a whole number" : "a number") + " from " + f.min + " to " + f.max;
      }
      var listed = f.values.map(function (v) { return "'" + v + "'"; }).join(", ");
      return f.type === "set" ? "a list of " + listed : "one of " + listed;
    }

    function derive(spec, number) {
      for (var i = 0; i < spec.bins.length; i++) {
        var bin = spec.bins[i];
        if (bin[1] === null || bin[2] === null) { return bin[0]; }
        if ((bin[1] === "below" && number < bin[2]) || (bin[1] === "at_most" && number <= bin[2])) {
          return bin[0];
        }
      }
      throw new Error("no catch-all bin");
    }

    /* As nettree.derive._derive: a field derived by points or cases, its reads computed. */
    function deriveOne(f, values) {
      var ctx = { values: values, reads: new Map(), offered: new Map() };
      var inputs = new Set(), i, holds;
      if (f.computed.sum) {
        var total = 0, sums = new Set();
        var undecided = [];
        f.computed.sum.forEach(function (p) {
          holds = evaluate(p[1], ctx);
          if (holds === true) { total += p[0]; }
          else if (holds === null) {
            undecided.push(p[0]);
            missingOf(p[1], ctx).forEach(function (m) { inputs.add(m); });
          }
        });
        sums.add(total);
        undecided.forEach(function (points) {
          Array.from(sums).forEach(function (x) { sums.add(x + points); });
        });
        if (sums.size === 1) { return total; }
        return { possible: Array.from(sums), inputs: Array.from(inputs), gap: false };
      }
      var possible = [], gap = true, cases = f.computed.cases;
      for (i = 0; i < cases.length; i++) {
        holds = cases[i][1] === null ? true : evaluate(cases[i][1], ctx);
        if (holds === false) { continue; }
        if (possible.indexOf(cases[i][0]) < 0) { possible.push(cases[i][0]); }
        if (holds === true) { gap = false; break; }
        missingOf(cases[i][1], ctx).forEach(function (m) { inputs.add(m); });
      }
      if (!possible.length) {
        throw new Error("the guideline is defective: derived field '" + f.name + "': no case holds for this patient");
      }
      if (possible.length === 1 && !gap) { return possible[0]; }
      return { possible: possible, inputs: Array.from(inputs), gap: gap };
    }

    /* As nettree.derive.compute: every field derived by points or cases, and the derivations
       whose value is known (field, value, and each field read with its value). */
    function computeDerived(values) {
      var done = new Set(), out = [];
      function valueOf(f) {
        if (done.has(f.name)) { return; }
        f.reads.forEach(function (r) { if (FIELDS[r].computed) { valueOf(FIELDS[r]); } });
        values[f.name] = deriveOne(f, values);
        done.add(f.name);
      }
      DATA.fields.forEach(function (f) { if (f.computed) { valueOf(f); } });
      DATA.fields.forEach(function (f) {
        var v = values[f.name];
        if (!f.computed || isUnknown(v) || isPossible(v)) { return; }
        var inputs = {};
        f.reads.forEach(function (n) {
          var x = values[n];
          inputs[n] = isUnknown(x) || isPossible(x) ? null : (Array.isArray(x) ? x.slice().sort() : x);
        });
        out.push({ field: f.name, value: v, inputs: inputs });
      });
      return out;
    }

    /* A patient validated like nettree/patient.py: every field present, null when unknown. */
    function validate(raw) {
      var errors = [], values = {}, defaulted = new Set(), derived = [];
      FIELD_ORDER.forEach(function (n) { values[n] = null; });
      Object.keys(raw).forEach(function (name) {
        var value = raw[name], f = FIELDS[name];
        if (!f) { errors.push("'" + name + "' is not a patient field"); return; }
        if (isUnknown(value)) { return; }
        if (f.computed) {
          errors.push("'" + name + "' is derived from " + f.reads.join(", ") +
                      " and cannot be given (give those instead)");
          return;
        }
        var bad = "'" + name + "' must be " + allowed(f) + " (got " + showValue(value) + ")";
        if (f.type === "boolean") {
          /* The one rule of nettree/patient.py read_boolean: true/false, or the text. */
          var text = typeof value === "string" ? value.trim().toLowerCase() : null;
          if (text === "true" || text === "false") { value = text === "true"; }
          if (typeof value !== "boolean") {
            errors.push(bad.slice(0, -1) + "; a boolean is written true or false, in a patient file and in --set alike)");
            return;
          }
        } else if (f.type === "number") {
          if (typeof value !== "number" || !isFinite(value) ||
              (f.min !== null && value < f.min) || (f.max !== null && value > f.max)) {
            errors.push(bad); return;
          }
          if (f.integer && !Number.isInteger(value)) {
            errors.push(bad.slice(0, -1) + ", which is not a whole number)"); return;
          }
        } else if (f.type === "choice") {
          if (f.values.indexOf(value) < 0) { errors.push(bad); return; }
        } else {
          var items = value;
          if (!Array.isArray(items)) { errors.push(bad); return; }
          for (var i = 0; i < items.length; i++) {
            if (f.values.indexOf(items[i]) < 0) {
              errors.push("'" + name + "' must be " + allowed(f) + " (got " + showValue(items[i]) + " in it)");
              return;
            }
          }
          value = Array.from(new Set(items)).sort();
        }
        values[name] = value;
      });
      DATA.fields.forEach(function (f) {
        if (f.derive) {
          var source = values[f.derive.source];
          if (!isUnknown(source)) {
            var implied = derive(f.derive, source), given = values[f.name];
            if (isUnknown(given)) {
              values[f.name] = implied;
              derived.push({ field: f.name, value: implied, from: f.derive.source, from_value: source });
            } else if (given !== implied) {
              var higher = f.values.indexOf(given) > f.values.indexOf(implied);
              if (!(f.derive.given_may_exceed && higher)) {
                var rule = f.derive.given_may_exceed ? "may be higher than that, never lower" : "must agree with it";
                errors.push("'" + f.name + "' is '" + given + "' but '" + f.derive.source + "' " + source +
                            " gives '" + implied + "'; '" + f.name + "' " + rule);
              }
            }
          }
        }
        if (isUnknown(values[f.name]) && f.has_default) {
          values[f.name] = Array.isArray(f.default) ? f.default.slice() : f.default;
          defaulted.add(f.name);
        }
      });
      if (errors.length) { return { error: "invalid patient: " + errors.join("; "), invalid: true }; }
      if (DATA.fields.some(function (f) { return f.computed; })) {
        try { derived = derived.concat(computeDerived(values)); }
        catch (e) { return { error: e.message }; }
      }
      return { values: values, defaulted: defaulted, derived: derived };
    }

    /* As nettree.traverse._Options: offered (with citations), excluded, not recommended
       (never offered again) and the preferences stated among the offered. */
    function Options() {
      this.offered = new Map(); this.excluded = new Map();
      this.notRecommended = new Map(); this.preferred = new Map();
    }
    Options.prototype.offer = function (option, cites) {
      if (this.notRecommended.has(option)) { return; }
      if (!this.offered.has(option)) { this.offered.set(option, []); }
      var held = this.offered.get(option);
      cites.forEach(function (c) { if (held.indexOf(c) < 0) { held.push(c); } });
      this.excluded.delete(option);
    };
    Options.prototype.drop = function (option, reason, cites) {
      this.offered.delete(option);
      this.preferred.delete(option);
      this.excluded.set(option, [reason, cites]);
    };
    Options.prototype.adviseAgainst = function (option, cites) {
      this.offered.delete(option);
      this.excluded.delete(option);
      this.preferred.delete(option);
      if (!this.notRecommended.has(option)) { this.notRecommended.set(option, []); }
      var held = this.notRecommended.get(option);
      cites.forEach(function (c) { if (held.indexOf(c) < 0) { held.push(c); } });
    };
    Options.prototype.prefer = function (option, over, cites) {
      this.offer(option, cites);
      if (!this.preferred.has(option)) { this.preferred.set(option, []); }
      var held = this.preferred.get(option);
      over.forEach(function (o) { if (held.indexOf(o) < 0) { held.push(o); } });
    };

    function holds(when, ctx, missing) {
      if (when === null) { return true; }
      var value = evaluate(when, ctx);
      if (value === null) { missingOf(when, ctx).forEach(function (m) { missing.add(m); }); }
      return value === true;
    }

    function apply(step, state, ctx, missing) {
      var targets;
      if (step.t === "offer") {
        if (holds(step.when, ctx, missing)) { state.offer(step.option, step.cites); }
      } else if (step.t === "drop") {
        targets = step.options.filter(function (o) { return state.offered.has(o); });
        if (targets.length && holds(step.when, ctx, missing)) {
          targets.forEach(function (o) { state.drop(o, step.reason, step.cites); });
        }
      } else if (step.t === "drop_listed") {
        var listed = ctx.values[step.field];
        ctx.reads.set(step.field, isUnknown(listed) ? null : listed);
        if (isUnknown(listed)) { missing.add(step.field); return; }
        Array.from(state.offered.keys()).filter(function (o) { return listed.indexOf(o) >= 0; })
          .forEach(function (o) { state.drop(o, step.reason, step.cites); });
      } else if (step.t === "cite") {
        var pool = (step.to && step.to.length) ? step.to : Array.from(state.offered.keys());
        targets = pool.filter(function (o) { return state.offered.has(o); });
        if (targets.length && holds(step.when, ctx, missing)) {
          targets.forEach(function (o) { state.offer(o, step.cites); });
        }
      } else if (step.t === "not_recommend") {
        if (holds(step.when, ctx, missing)) {
          step.options.forEach(function (o) { state.adviseAgainst(o, step.cites); });
        }
      } else if (step.t === "prefer") {
        if (state.offered.has(step.option) && holds(step.when, ctx, missing)) {
          state.prefer(step.option, step.over, step.cites);
        }
      }
    }

    function byCite(a, b) { return CITE_ORDER[a] - CITE_ORDER[b]; }

    function plainValues(reads) {
      var out = {};
      reads.forEach(function (v, k) { out[k] = Array.isArray(v) ? v.slice().sort() : v; });
      return out;
    }

    function result(patient, allReads, path, status, o) {
      var options = [], excluded = [], notRecommended = [];
      if (o.state) {
        var offered = o.state.offered, preferred = o.state.preferred;
        Array.from(offered.entries())
          .sort(function (a, b) { return OPTION_ORDER[a[0]] - OPTION_ORDER[b[0]]; })
          .forEach(function (e) {
            var option = { id: e[0], label: DATA.options[e[0]], cites: e[1].slice().sort(byCite) };
            var over = (preferred.get(e[0]) || []).filter(function (p) { return offered.has(p); });
            if (over.length) { option.preferred_over = over; }
            options.push(option);
          });
        Array.from(o.state.notRecommended.entries())
          .sort(function (a, b) { return OPTION_ORDER[a[0]] - OPTION_ORDER[b[0]]; })
          .forEach(function (e) {
            notRecommended.push({ id: e[0], label: DATA.options[e[0]],
                                  cites: e[1].slice().sort(byCite) });
          });
        Array.from(o.state.excluded.entries())
          .sort(function (a, b) { return OPTION_ORDER[a[0]] - OPTION_ORDER[b[0]]; })
          .forEach(function (e) {
            excluded.push({ id: e[0], label: DATA.options[e[0]], reason: e[1][0],
                            cites: e[1][1].slice().sort(byCite) });
          });
      }
      var recs = new Set();
      options.forEach(function (opt) { opt.cites.forEach(function (c) { recs.add(DATA.cite_owner[c]); }); });
      var assumed = [];
      allReads = new Set(allReads);  // reading a derived value reads the fields it is derived from
      Array.from(allReads).forEach(function (n) {
        if (FIELDS[n] && FIELDS[n].computed) { FIELDS[n].inputs.forEach(function (m) { allReads.add(m); }); }
      });
      DATA.fields.forEach(function (f) {
        if (patient.defaulted.has(f.name) && allReads.has(f.name)) {
          var v = patient.values[f.name];
          assumed.push({ field: f.name, value: Array.isArray(v) ? v.slice().sort() : v, meaning: f.if_absent });
        }
      });
      var inScope = status !== "out_of_scope" && DATA.in_scope.indexOf(o.stop) >= 0;
      return {
        guideline: DATA.guideline.id,
        status: status,
        leaf: o.leaf,
        reason: o.reason || "",
        recommendations: Array.from(recs).sort(byCite),
        options: options,
        excluded: excluded,
        not_recommended: notRecommended,
        general: inScope ? DATA.general.slice() : [],
        missing: ordered(o.missing || []),
        assumed: assumed,
        derived: patient.derived,
        notes: o.notes || [],
        path: path
      };
    }

    /* As nettree.traverse._settle: when a leaf's options depend on unknown fields, walk every
       completion of them over their finite domains; if all give the same status, options and
       exclusions, that is the answer, with the notes they differ on shown as "may apply". */
    /* As nettree.traverse._completions: the results of every completion of the unknown
       fields, when all give the same status, leaf, options and exclusions; else null. One
       traversal tries at most DATA.settle_limit completions in all (budget.left). */
    function completions(patient, names, budget) {
      // A domain too large to try comes as {length: n} (a set field's 2 ** n subsets):
      // only its size is read; the product is then past the limit, and the walk asks.
      var size = names.reduce(function (n, name) { return n * DATA.domains[name].length; }, 1);
      if (size > budget.left) { return null; }
      budget.left -= size;
      var derivedNames = new Set(patient.derived.map(function (d) { return d.field; }));
      DATA.fields.forEach(function (f) { if (f.computed) { derivedNames.add(f.name); } });
      var given = {};
      FIELD_ORDER.forEach(function (n) {
        var v = patient.values[n];
        if (!isUnknown(v) && !patient.defaulted.has(n) && !derivedNames.has(n)) { given[n] = v; }
      });
      var results = [], answer = null;
      function answerOf(r) {
        return JSON.stringify([r.status, r.leaf, r.options, r.excluded, r.not_recommended]);
      }
      function visit(index, completed) {
        if (index === names.length) {
          var r = traverse(completed, budget);
          if (r.error && r.invalid) { return true; }  // not a possible patient: skip it
          if (r.error || r.status === "needs_information") { return false; }
          if (answer === null) { answer = answerOf(r); } else if (answerOf(r) !== answer) { return false; }
          results.push(r);
          return true;
        }
        var values = DATA.domains[names[index]];
        for (var i = 0; i < values.length; i++) {
          var next = Object.assign({}, completed);
          next[names[index]] = values[i];
          if (!visit(index + 1, next)) { return false; }
        }
        return true;
      }
      if (!visit(0, given) || !results.length) { return null; }
      return results;
    }

    /* As nettree.traverse._merged: the one result all completions give. */
    function merged(patient, results, missing, path) {
      var first = results[0];
      var ids = new Set();
      results.forEach(function (r) { r.notes.forEach(function (n) { ids.add(n.id); }); });
      var notes = Array.from(ids).sort(byCite).map(function (id) {
        var kept = results.map(function (r) { return r.notes.find(function (n) { return n.id === id; }); })
          .filter(function (n) { return n; });
        var same = JSON.stringify(kept[0].remarks);
        var certain = kept.length === results.length && kept.every(function (n) {
          return !n.unknown.length && JSON.stringify(n.remarks) === same; });
        var remarks = kept[0].remarks.filter(function (r) {
          return kept.every(function (n) { return n.remarks.indexOf(r) >= 0; }); });
        var depends = new Set(missing);
        kept.forEach(function (n) { n.unknown.forEach(function (f) { depends.add(f); }); });
        return { id: id, text: kept[0].text, remarks: remarks, unknown: certain ? [] : ordered(depends) };
      });
      var assumed = {};
      results.forEach(function (r) { r.assumed.forEach(function (a) { assumed[a.field] = a; }); });
      return {
        guideline: first.guideline, status: first.status, leaf: first.leaf, reason: first.reason,
        recommendations: first.recommendations, options: first.options, excluded: first.excluded,
        not_recommended: first.not_recommended,
        general: first.general, missing: [],
        assumed: FIELD_ORDER.filter(function (n) { return assumed[n]; }).map(function (n) { return assumed[n]; }),
        derived: patient.derived, notes: notes, path: path
      };
    }

    function settle(patient, missing, decisions, nodeId, leaf, leafValues, budget) {
      var results = completions(patient, ordered(missing), budget);
      if (!results) { return null; }
      return merged(patient, results, missing, decisions.concat([
        { node: nodeId, kind: leaf.kind, text: leaf.label, answer: "reached", values: leafValues }]));
    }

    /* As nettree.traverse._settle_decision: the decision shown answered "either way", then
       the nodes every completion passes (with this patient's values there), then the leaf. */
    function settleDecision(patient, missing, before, nodeId, values, budget) {
      var results = completions(patient, ordered(missing), budget);
      if (!results) { return null; }
      var decision = DATA.decisions[nodeId], start = before.length + 1;
      var path = before.concat([{ node: nodeId, kind: "decision", text: decision.question,
                                  answer: "either way", values: values }]);
      var passed = results.map(function (r) {
        var byNode = {};
        r.path.slice(start).forEach(function (step) { byNode[step.node] = step; });
        return byNode;
      });
      results[0].path.slice(start).forEach(function (step) {
        var steps = passed.map(function (p) { return p[step.node]; });
        if (steps.some(function (x) { return !x; })) { return; }
        var answers = new Set(steps.map(function (x) { return x.answer; }));
        var shown = {};
        Object.keys(step.values).forEach(function (n) {
          var v = patient.values[n];
          shown[n] = isUnknown(v) || isPossible(v) ? null : (Array.isArray(v) ? v.slice().sort() : v);
        });
        path.push({ node: step.node, kind: step.kind, text: step.text,
                    answer: answers.size === 1 ? step.answer : "either way", values: shown });
      });
      return merged(patient, results, missing, path);
    }

    /* The result for a raw patient mapping: exactly Result.to_dict() of nettree.traverse,
       or {error: message} for an invalid patient. */
    function traverse(raw, budget) {
      var patient = validate(raw || {});
      if (patient.error) { return patient; }
      budget = budget || { left: DATA.settle_limit };
      var ctx = { values: patient.values, reads: new Map(), offered: new Map() };
      var allReads = new Set(), path = [];
      var nodeId = DATA.start;
      while (DATA.decisions[nodeId]) {
        var decision = DATA.decisions[nodeId];
        ctx.reads = new Map();
        var matched = [], unknown = [];
        decision.branches.forEach(function (b) {
          var v = evaluate(b.when, ctx);
          if (v === true) { matched.push(b); } else if (v === null) { unknown.push(b); }
        });
        ctx.reads.forEach(function (_, k) { allReads.add(k); });
        if (matched.length > 1) {
          return { error: "the guideline is defective: decision '" + nodeId + "' has overlapping branches" };
        }
        if (!matched.length && unknown.length) {
          var missing = new Set();
          unknown.forEach(function (b) { missingOf(b.when, ctx).forEach(function (m) { missing.add(m); }); });
          var either = settleDecision(patient, missing, path, nodeId, plainValues(ctx.reads), budget);
          if (either) { return either; }
          path.push({ node: nodeId, kind: "decision", text: decision.question, answer: null,
                      values: plainValues(ctx.reads) });
          return result(patient, allReads, path, "needs_information", {
            leaf: null, stop: nodeId, missing: missing,
            reason: decision.question + " needs: " + ordered(missing).join(", ") });
        }
        if (!matched.length) {
          return { error: "the guideline is defective: no branch of decision '" + nodeId + "' matches" };
        }
        path.push({ node: nodeId, kind: "decision", text: decision.question,
                    answer: matched[0].answer, values: plainValues(ctx.reads) });
        nodeId = matched[0].to;
      }
      var leaf = DATA.leaves[nodeId];
      if (leaf.kind === "out_of_scope") {
        path.push({ node: nodeId, kind: leaf.kind, text: leaf.label, answer: "reached", values: {} });
        return result(patient, allReads, path, "out_of_scope", { leaf: nodeId, stop: nodeId, reason: leaf.reason });
      }
      var state = new Options();
      ctx.offered = state.offered;
      ctx.reads = new Map();
      var missingLeaf = new Set();
      var steps = leaf.steps.slice();
      if (leaf.kind === "recommendation") { steps = steps.concat(DATA.filters); }
      steps.forEach(function (s) { apply(s, state, ctx, missingLeaf); });
      ctx.reads.forEach(function (_, k) { allReads.add(k); });
      var leafValues = plainValues(ctx.reads);
      if (missingLeaf.size) {
        var settled = settle(patient, missingLeaf, path, nodeId, leaf, leafValues, budget);
        if (settled) { return settled; }
        path.push({ node: nodeId, kind: leaf.kind, text: leaf.label, answer: null, values: leafValues });
        return result(patient, allReads, path, "needs_information", {
          leaf: nodeId, stop: nodeId, missing: missingLeaf,
          reason: leaf.label + ": the options depend on " + ordered(missingLeaf).join(", ") });
      }
      path.push({ node: nodeId, kind: leaf.kind, text: leaf.label, answer: "reached", values: leafValues });
      if (leaf.kind === "needs_information") {
        return result(patient, allReads, path, "needs_information", {
          leaf: nodeId, stop: nodeId, missing: new Set(leaf.missing), state: state, reason: leaf.reason });
      }
      if (!state.offered.size && DATA.fallback) { state.offer(DATA.fallback.option, DATA.fallback.cites); }
      var notes = [];
      ctx.reads = new Map();
      DATA.notes.forEach(function (rule) {
        var value = rule.when === null ? true : evaluate(rule.when, ctx);
        if (value === false) { return; }
        var unknownFields = [];
        if (value === null && rule.when !== null) { unknownFields = ordered(missingOf(rule.when, ctx)); }
        var remarks = rule.remarks.filter(function (r) { return evaluate(r.when, ctx) === true; })
          .map(function (r) { return r.text; });
        var st = DATA.statements[rule.statement];
        notes.push({ id: rule.statement, text: st.text, remarks: remarks, unknown: unknownFields });
      });
      ctx.reads.forEach(function (_, k) { allReads.add(k); });
      notes = notes.map(function (n, i) { return [n, i]; })
        .sort(function (a, b) { return (CITE_ORDER[a[0].id] - CITE_ORDER[b[0].id]) || (a[1] - b[1]); })
        .map(function (p) { return p[0]; });
      return result(patient, allReads, path, "recommendation", {
        leaf: nodeId, stop: nodeId, state: state, notes: notes, reason: leaf.reason || leaf.label });
    }

    return { traverse: traverse, validate: validate, evaluate: evaluate, ordered: ordered };
  }

  return { create: create, isUnknown: isUnknown };
}));
