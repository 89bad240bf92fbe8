// The lifecycle explorer: reads the model.json data embedded in this page (one
// <script type="application/json" data-dialect=...> per dialect) and answers
// the questions `lifecycle ops` answers, by clicking. No server, no network.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const STEP_LIMIT = 64; // the table's own settle limit
  const $ = (id) => document.getElementById(id);
  const models = {};
  for (const el of document.querySelectorAll('script[type="application/json"][data-dialect]')) {
    models[el.dataset.dialect] = JSON.parse(el.textContent);
  }
  const dialectNames = Object.keys(models);
  const view = { dialect: dialectNames[0], choice: {}, node: 0, op: null, step: 0, q: "", notice: "" };

  // ---- the data --------------------------------------------------------------
  function model() { return models[view.dialect]; }
  function variant() {
    const m = model();
    return m.variants.find((v) => m.dimensions.every((d) => v.when[d.name] === view.choice[d.name])) || m.variants[0];
  }
  function trig(name) { return model().triggers.findIndex((t) => t.name === name); }
  function row(n) {
    const r = variant().rows[n], out = new Map();
    for (let i = 0; i < r.length; i += 2) out.set(r[i], r[i + 1]);
    return out;
  }
  function info(n) {
    const [p, power, launched] = variant().nodes[n];
    const [vm, task, status] = model().pairs[p];
    return { pair: p, vm, task, status, power, launched: !!launched,
             label: vm === null ? "new" : (task === null ? vm : vm + "/" + task) };
  }
  function shown(n) { const s = info(n); return s.status === null ? "(not created)" : s.status; }
  function kindOf(t) { return model().triggers[t].kind; }
  function failures(n) {
    return [...row(n)].filter(([t]) => kindOf(t) === "failure").map(([t, d]) => ({ trigger: t, node: d }));
  }
  function settle(steps) {
    const advance = trig("advance");
    for (let i = 0; i < STEP_LIMIT; i++) {
      const next = row(steps[steps.length - 1].node).get(advance);
      if (next === undefined) return;
      steps.push({ node: next, via: advance });
    }
  }
  // The steps of one request from node n: the request, each task step, then the
  // operations the cloud chains itself (`then`), each failure edge on the way.
  function walk(n, t) {
    const steps = [{ node: n, via: null }];
    const first = row(n).get(t);
    if (first === undefined) return steps;
    steps.push({ node: first, via: t });
    settle(steps); // after `advance` or `fail` too: where the task comes to rest, as `lifecycle ops` says
    for (const follow of model().triggers[t].then || []) {
      const f = trig(follow), next = row(steps[steps.length - 1].node).get(f);
      if (next === undefined) break;
      steps.push({ node: next, via: f });
      settle(steps);
    }
    for (const s of steps.slice(1, -1)) s.fails = failures(s.node);
    return steps;
  }
  function nodeFor(pair, power, launched) {
    const v = variant();
    let found = power === undefined && launched === undefined ? -1
      : v.nodes.findIndex((x) => x[0] === pair && (power === undefined || x[1] === power)
                                 && (launched === undefined || !!x[2] === launched));
    if (found < 0) found = v.seeds[pair]; // nominal power, as `lifecycle ops` seeds a server
    return found === undefined || found < 0 ? v.seeds[0] : found;
  }
  function pairByLabel(label) {
    return model().pairs.findIndex(([vm, task]) => (vm === null ? "new" : task === null ? vm : vm + "/" + task) === label);
  }
  function restPair(status) { // like `lifecycle ops STATUS`: a pair showing it, no task preferred
    const ps = model().pairs, v = variant();
    const cands = ps.map((p, i) => i).filter((i) => ps[i][2] === status && v.seeds[i] >= 0);
    cands.sort((a, b) => (ps[a][1] !== null) - (ps[b][1] !== null));
    return cands.length ? cands[0] : -1;
  }

  // ---- drawing helpers ---------------------------------------------------------
  function el(tag, attrs, ...kids) {
    const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
      else if (k === "text") e.textContent = v;
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
    }
    for (const kid of kids.flat()) if (kid !== null && kid !== undefined) e.append(kid);
    if (attrs && attrs.on && attrs.on.click && !tag.startsWith("svg:") && e.tagName !== "SELECT") {
      e.tabIndex = 0; // clickable list items and chips are reachable with Tab and work with Enter
      e.addEventListener("keydown", (ev) => { if (ev.key === "Enter") attrs.on.click(ev); });
    }
    return e;
  }
  function chip(status, task) {
    return el("span", { class: "chip " + (status || "none") + (task ? " task" : ""), text: status || "(not created)" });
  }
  function cls(n) { const s = info(n); return s.vm === null ? "none" : s.task === null ? "rest" : "task"; }
  function box(svg, x, y, w, n, extra, onclick) {
    const s = info(n);
    const g = el("svg:g", { class: "node " + cls(n) + " " + (extra || "") + (onclick ? " clickable" : ""),
                            "data-node": n, on: onclick ? { click: onclick } : {} },
      el("svg:rect", { x, y, width: w, height: 40, rx: s.task === null ? 10 : 2 }),
      el("svg:text", { x: x + w / 2, y: y + 16, "text-anchor": "middle", "font-weight": "bold", text: shown(n) }),
      el("svg:text", { x: x + w / 2, y: y + 32, "text-anchor": "middle", text: s.label }),
      el("svg:title", { text: s.label + ", power_state " + s.power + " (" + model().power_states[s.power] + ")" }));
    svg.append(g);
    return g;
  }
  function arrow(svg, x1, y1, x2, y2, kind, label, onclick) {
    const mx = (x1 + x2) / 2;
    svg.append(el("svg:path", { class: "edge " + kind, d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
                                "marker-end": "url(#head-" + kind + ")" }));
    if (label) {
      const short = label.length > 60 ? label.slice(0, 57) + "..." : label;
      svg.append(el("svg:text", { class: "label " + kind + (onclick ? " clickable" : ""), x: mx, y: y2 - 5,
                                  "text-anchor": "middle", text: short, on: onclick ? { click: onclick } : {} },
        el("svg:title", { text: label })));
    }
  }
  function canvas(w, h) {
    const svg = el("svg:svg", { width: w, height: h, viewBox: `0 0 ${w} ${h}`, role: "img" });
    const defs = el("svg:defs");
    for (const [kind, color] of [["operation", "#4a5568"], ["step", "#a0aec0"], ["failure", "#c53030"]]) {
      defs.append(el("svg:marker", { id: "head-" + kind, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7,
                                     markerHeight: 7, orient: "auto-start-reverse" },
        el("svg:path", { d: "M0,0 L10,5 L0,10 z", fill: color })));
    }
    svg.append(defs);
    return svg;
  }

  // ---- the panels -------------------------------------------------------------
  function legal(n) { // [{trigger, steps, end}] as `lifecycle ops` lists them
    return [...row(n)].map(([t]) => {
      const steps = walk(n, t);
      return { trigger: t, steps, end: steps[steps.length - 1].node };
    });
  }
  // Why an operation is refused here, worded as `lifecycle ops --all` words it: the precondition's
  // checks in Nova's order (vm_state, task_state, launched_at), the dialect's own message templates.
  function rejection(acc, s) {
    if (acc.vm_states !== "any" && !acc.vm_states.includes(s.vm)) return ["vm_state", s.vm];
    if (acc.task_states !== "any" && !acc.task_states.includes(s.task)) return ["task_state", s.task];
    if (acc.launched && !s.launched) return ["launched_at", null];
    return null;
  }
  function refusal(t, n) {
    const why = rejection(t.accepts, info(n)), words = model().dialect.refusal;
    const fill = (text, f) => text.replace(/\{(\w+)\}/g, (all, k) => (k in f ? f[k] : all));
    return why && why[1] !== null
      ? fill(words.state, { action: t.action, id: "<server>", attr: why[0], state: why[1] })
      : fill(words.no_state, { action: t.action, id: "<server>" });
  }
  function viaText(steps) {
    const via = [];
    for (const s of steps.slice(1, -1)) { const st = shown(s.node); if (via[via.length - 1] !== st) via.push(st); }
    return via;
  }
  function renderStates() {
    const m = model(), v = variant(), q = view.q.trim().toLowerCase();
    const hit = (...names) => q !== "" && names.some((x) => x && x.toLowerCase().includes(q));
    const statuses = [...new Set(m.pairs.map((p) => p[2]).filter((s) => s !== null))];
    $("statuses").replaceChildren(...statuses.map((s) => {
      const c = chip(s, false);
      c.dataset.status = s;
      if (hit(s)) c.classList.add("match");
      c.tabIndex = 0;
      const pick = () => { const p = restPair(s); if (p >= 0) select(v.seeds[p]); };
      c.addEventListener("click", pick);
      c.addEventListener("keydown", (ev) => { if (ev.key === "Enter") pick(); });
      return c;
    }));
    const here = info(view.node).pair, items = [];
    m.pairs.forEach(([vm, task, status], i) => {
      if (vm === null) { // before create: where `create` starts
        if (q === "" || hit("new", "create")) items.push(el("li", { class: "vm" + (i === here ? " selected" : "") + (hit("new", "create") ? " match" : ""),
                              "data-pair": "new", title: "a server not created yet",
                              on: { click: () => select(v.seeds[i]) } },
          el("span", { text: "new (before create)" }), chip(null, false)));
        return;
      }
      const label = task === null ? vm : vm + "/" + task;
      const li = el("li", { class: (task === null ? "vm" : "task") + (i === here ? " selected" : "")
                               + (status === info(view.node).status ? " same" : "")
                               + (hit(vm, task, status) ? " match" : "") + (v.seeds[i] < 0 ? " absent" : ""),
                            "data-pair": label, title: v.seeds[i] < 0 ? "not reached under these settings" : label,
                            on: { click: () => { if (v.seeds[i] >= 0) select(v.seeds[i]); } } },
        el("span", { text: task === null ? vm : task }), chip(status, task !== null));
      if (q === "" || hit(vm, task, status) || task === null && m.pairs.some((p) => p[0] === vm && hit(p[1], p[2]))) {
        items.push(li);
      }
    });
    $("pairs").replaceChildren(...items);
  }
  function renderHere() {
    const s = info(view.node), m = model(), v = variant();
    const siblings = v.nodes.map((x, i) => i).filter((i) => v.nodes[i][0] === s.pair);
    const pick = siblings.length > 1 ? el("select", { id: "power", "aria-label": "power_state and launched",
      on: { change: (e) => select(Number(e.target.value)) } },
      siblings.map((i) => el("option", { value: i, selected: i === view.node,
        text: `power_state ${v.nodes[i][1]} (${m.power_states[v.nodes[i][1]]})${v.nodes[i][2] ? "" : ", never launched"}` }))) : null;
    $("here").replaceChildren(
      el("span", { class: "big", id: "current-status", text: shown(view.node) }), " ",
      el("span", { id: "current-pair", text: s.label }), " ",
      el("span", { class: "facts", text: `power_state ${s.power} (${m.power_states[s.power]})${s.launched ? "" : ", never launched"}` }),
      ...(pick ? [" ", pick] : []));
  }
  function renderOps() {
    const n = view.node, all = legal(n);
    const list = all.map(({ trigger, steps, end }) => {
      const t = model().triggers[trigger], via = viaText(steps);
      return el("li", { class: (t.kind === "operation" ? "" : "event ") + (trigger === view.op ? "selected" : ""),
                        "data-op": t.name, "data-end": shown(end), "data-via": via.join(","), title: t.summary || "",
                        on: { click: () => chooseOp(trigger) } },
        el("span", { class: "name", text: t.name }),
        el("span", {}, "\u2192 ", chip(info(end).status, info(end).task !== null), " " + info(end).label,
           via.length ? el("span", { class: "via", text: "  via " + via.join(", ") }) : null));
    });
    if (!list.length) list.push(el("li", { text: "no operation is legal here" }));
    const here = row(n), refused = model().triggers.filter((t, i) => t.kind === "operation" && !here.has(i));
    if (refused.length) {
      list.push(el("li", { class: "refused" }, el("details", {},
        el("summary", { text: `not accepted here (${refused.length})` }),
        el("ul", {}, refused.map((t) => el("li", { "data-refused": t.name, "data-reason": refusal(t, n) },
          el("span", { class: "name", text: t.name }), " " + refusal(t, n)))))));
    }
    $("ops").replaceChildren(...list);
    // the neighbourhood: this state on the left, where each request settles on the right
    const groups = new Map();
    for (const { trigger, end } of all) {
      if (!groups.has(end)) groups.set(end, []);
      groups.get(end).push(trigger);
    }
    const ends = [...groups.keys()], h = Math.max(60, ends.length * 52 + 10), w = 720;
    const svg = canvas(w, h);
    box(svg, 10, h / 2 - 20, 150, n, "current");
    ends.forEach((end, i) => {
      const y = 10 + i * 52, ts = groups.get(end);
      const kind = ts.every((t) => kindOf(t) === "failure") ? "failure" : ts.every((t) => kindOf(t) === "step") ? "step" : "operation";
      const names = ts.map((t) => model().triggers[t].name).join(", ");
      arrow(svg, 160, h / 2, 540, y + 20, kind, names, () => chooseOp(ts[0]));
      box(svg, 550, y, 160, end, "", () => select(end));
    });
    $("graph").replaceChildren(svg);
  }
  function renderWalk() {
    if (view.op === null || !row(view.node).has(view.op)) { $("walk").hidden = true; return; }
    const t = model().triggers[view.op], steps = walk(view.node, view.op);
    view.step = Math.max(0, Math.min(view.step, steps.length - 1));
    $("walk").hidden = false;
    $("walk-title").replaceChildren(`${t.name} from ${shown(view.node)} (${info(view.node).label})`
      + (t.then ? `, then ${t.then.join(", ")}` : "") + (t.summary ? `: ${t.summary}` : ""),
      ...(t.kind === "operation" ? [el("a", { id: "op-diagram", href: `${view.dialect}/operations/${t.name}.svg`,
        text: "every path of " + t.name, title: "the generated diagram, beside this page" })] : []));
    const cur = steps[view.step];
    $("step-status").textContent = `step ${view.step} of ${steps.length - 1}: ${shown(cur.node)} (${info(cur.node).label})`;
    $("step-status").dataset.status = shown(cur.node);
    $("back").disabled = $("first").disabled = view.step === 0;
    $("next").disabled = $("last").disabled = view.step === steps.length - 1;
    const most = Math.max(0, ...steps.map((s) => (s.fails || []).length));
    const w = 20 + steps.length * 170, h = 75 + most * 48, svg = canvas(w, h);
    steps.forEach((s, i) => {
      const x = 10 + i * 170;
      box(svg, x, 10, 140, s.node, (i === view.step ? "current" : "") + (i > view.step ? " later" : ""),
          () => { view.step = i; render(); });
      if (i > 0) {
        const k = kindOf(s.via);
        arrow(svg, x - 30, 30, x, 30, k, "", null);
        svg.append(el("svg:text", { class: "label", x: x - 15, y: 62, "text-anchor": "middle",
                                    text: k === "operation" ? model().triggers[s.via].name : "" }));
      }
      (s.fails || []).forEach((f, j) => {
        const fy = 80 + j * 48;
        arrow(svg, x + 70, 50, x + 70, fy, "failure", "", null);
        const g = box(svg, x, fy, 140, f.node, "failed" + (i > view.step ? " later" : ""), () => select(f.node));
        g.append(el("svg:title", { text: `${model().triggers[f.trigger].name}: ${info(f.node).label}` }));
      });
    });
    $("stepper").replaceChildren(svg);
    $("stepper").scrollLeft = Math.max(0, view.step * 170 - 300); // keep the current step in sight
    $("steps").replaceChildren(...steps.map((s, i) => {
      const by = s.via === null ? "request " + t.name : kindOf(s.via) === "operation" ? model().triggers[s.via].name : "task step";
      return el("li", { class: i === view.step ? "current" : i > view.step ? "later" : "", "data-step": i,
                        "data-status": shown(s.node), "data-pair": info(s.node).label,
                        on: { click: () => { view.step = i; render(); } } },
        chip(info(s.node).status, info(s.node).task !== null), " " + info(s.node).label + "  ",
        el("span", { class: "via", text: i === 0 ? "(here)" : "(" + by + ")" }),
        (s.fails || []).map((f) => el("div", { class: "fails", "data-fail": info(f.node).label,
          text: `${model().triggers[f.trigger].name} \u2192 ${shown(f.node)} (${info(f.node).label})` })));
    }));
  }

  // ---- the view and its URL ------------------------------------------------------
  function writeHash() {
    const s = info(view.node), p = new URLSearchParams();
    p.set("dialect", view.dialect);
    for (const d of model().dimensions) p.set(d.name, view.choice[d.name]);
    p.set("state", s.label);
    p.set("power", s.power);
    if (!s.launched) p.set("launched", "0");
    if (view.op !== null) { p.set("op", model().triggers[view.op].name); p.set("step", view.step); }
    if (view.q) p.set("q", view.q);
    const hash = "#" + p.toString();
    if (location.hash !== hash) history.replaceState(null, "", hash);
    $("link").value = location.href;
  }
  // A link names what it shows; a name the data does not know falls back to the default and says so,
  // with the valid choices, instead of showing something else silently.
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1)), problems = [];
    const unknown = (what, value, choices) => problems.push(`unknown ${what} "${value}" (valid: ${choices.join(", ")})`);
    const asked = p.get("dialect");
    view.dialect = models[asked] ? asked : dialectNames[0];
    if (asked !== null && !models[asked]) unknown("dialect", asked, dialectNames);
    view.choice = {};
    for (const d of model().dimensions) {
      const want = p.get(d.name), ids = d.choices.map((c) => c.id);
      view.choice[d.name] = ids.includes(want) ? want : ids[0];
      if (want !== null && !ids.includes(want)) unknown(d.name, want, ids);
    }
    const state = p.get("state");
    let pair = state === null ? -1 : pairByLabel(state.trim().toLowerCase());
    if (pair < 0 && state !== null) pair = restPair(state.trim().toUpperCase()); // a status: its resting pair
    if (pair < 0 && state !== null) {
      const statuses = [...new Set(model().pairs.map((x) => x[2]).filter((x) => x !== null))];
      unknown("state", state, [...statuses, "vm_state", "vm_state/task_state"]);
    }
    const power = p.has("power") ? Number(p.get("power")) : undefined;
    view.node = pair >= 0 ? nodeFor(pair, power, p.get("launched") === "0" ? false : undefined)
                          : nodeFor(Math.max(0, restPair("ACTIVE")));
    const opName = p.get("op"), op = trig(opName || "");
    const found = state === null || pair >= 0; // an operation is not stepped from a state shown instead
    view.op = found && op >= 0 && row(view.node).has(op) ? op : null;
    if (found && opName !== null && view.op === null) {
      const legalHere = [...row(view.node).keys()].map((t) => model().triggers[t].name);
      problems.push(`operation "${opName}" is not accepted in ${info(view.node).label} (accepted: ${legalHere.join(", ")})`);
    }
    view.step = Number(p.get("step")) || 0;
    view.q = p.get("q") || "";
    view.notice = problems.join("; ");
  }

  function renderControls() {
    $("dialect").replaceChildren(...dialectNames.map((name) =>
      el("option", { value: name, selected: name === view.dialect, text: models[name].dialect.title })));
    $("dimensions").replaceChildren(...model().dimensions.map((d) =>
      el("label", {}, d.label + " ", el("select", { id: "dim-" + d.name, "data-dimension": d.name,
        on: { change: (e) => { const s = info(view.node); view.choice[d.name] = e.target.value;
                              view.node = nodeFor(s.pair, s.power, s.launched); render(); } } },
        d.choices.map((c) => el("option", { value: c.id, selected: c.id === view.choice[d.name], text: c.label }))))));
    $("search").value = view.q;
    const d = model().dialect;
    $("source").textContent = `${d.title} (${d.name}) from ${d.source}. Generated by lifecycle docs; the same tables as lifecycle ops.`;
  }
  function render() {
    $("notice").textContent = view.notice || "";
    $("notice").hidden = !view.notice;
    renderControls(); renderStates(); renderHere(); renderOps(); renderWalk(); writeHash();
  }
  function select(n) { view.node = n; view.op = null; view.step = 0; view.notice = ""; render(); }
  function chooseOp(t) {
    if (view.op === t) return;
    view.op = t; view.step = 0; view.notice = ""; render();
  }
  function move(to) {
    if (view.op === null) return;
    const steps = walk(view.node, view.op);
    view.step = Math.max(0, Math.min(to(steps), steps.length - 1));
    render();
  }
  $("dialect").addEventListener("change", (e) => {
    view.dialect = e.target.value; view.choice = {};
    for (const d of model().dimensions) view.choice[d.name] = d.choices[0].id;
    select(nodeFor(Math.max(0, restPair("ACTIVE"))));
  });
  $("search").addEventListener("input", (e) => { view.q = e.target.value; renderStates(); writeHash(); });
  $("first").addEventListener("click", () => move(() => 0));
  $("back").addEventListener("click", () => move(() => view.step - 1));
  $("next").addEventListener("click", () => move(() => view.step + 1));
  $("last").addEventListener("click", () => move((s) => s.length - 1));
  $("goto").addEventListener("click", () => { if (view.op !== null) select(walk(view.node, view.op)[view.step].node); });
  $("copy").addEventListener("click", () => {
    $("link").select();
    if (navigator.clipboard) navigator.clipboard.writeText(location.href).catch(() => document.execCommand("copy"));
    else document.execCommand("copy");
  });
  window.addEventListener("hashchange", () => { readHash(); render(); });
  readHash();
  render();
})();
