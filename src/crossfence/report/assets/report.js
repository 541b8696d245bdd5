/* crossfence report: reads the JSON island, draws the topology with Cytoscape.js, the grid,
   the traces, the findings and the diff. Every user string goes in through textContent. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('crossfence-data').textContent);
  var COLLAPSE_AT = 150;   // leaves above which subnets and clusters start collapsed
  var GRID_AT = 150;       // endpoints above which the grid is counted per group
  var EXPAND_ALL_AT = 2000; // leaves above which groups open one at a time (a layout of all is slow)
  var COLLAPSED_SCALE = 1.6; // a collapsed group's text and box, against a leaf's

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function where(source) {
    if (!source) return '';
    var name = source.rule ? source.resource + '/' + source.rule : source.resource;
    if (!source.file) return name;
    return name + ' (' + source.file + (source.line ? ':' + source.line : '') + ')';
  }
  function pairKey(a, b) { return a + '\u0000' + b; }

  /* ---------- tabs ---------- */
  var tabs = document.querySelectorAll('#tabs button');
  function show(name) {
    tabs.forEach(function (b) { b.setAttribute('aria-selected', String(b.dataset.tab === name)); });
    document.querySelectorAll('.panel').forEach(function (p) { p.hidden = p.id !== name; });
    if (name === 'topology') { if (!cy) drawTopology(); else cy.resize(); }
  }
  tabs.forEach(function (b) { b.addEventListener('click', function () { show(b.dataset.tab); }); });

  /* ---------- header ---------- */
  var check = data.check;
  document.getElementById('title').textContent = 'crossfence report: ' + data.title;
  var counts = [];
  ['critical', 'high', 'medium', 'low', 'info'].forEach(function (s) {
    if (check.summary[s]) counts.push(check.summary[s] + ' ' + s);
  });
  document.getElementById('subtitle').textContent = data.path + ' — ' + data.endpoints +
    ' endpoints, ' + data.pairs.toLocaleString('en') + ' pairs allowing something; ' +
    check.findings.length + ' finding' + (check.findings.length === 1 ? '' : 's') +
    (counts.length ? ' (' + counts.join(', ') + ')' : '') + ', ' + check.suppressed.length +
    ' suppressed — crossfence ' + data.crossfence + ', Cytoscape.js ' + cytoscape.version;

  /* ---------- topology ---------- */
  var nodes = data.topology.nodes, byId = {}, children = {};
  nodes.forEach(function (n) {
    byId[n.id] = n;
    (children[n.parent] = children[n.parent] || []).push(n.id);
  });
  var leaves = {};
  function countLeaves(id) {
    var below = children[id] || [];
    if (!below.length) return 1;
    var total = 0;
    below.forEach(function (c) { total += countLeaves(c); });
    leaves[id] = total;
    return total;
  }
  (children[null] || []).forEach(countLeaves);
  var isGroup = function (id) { return !!(children[id] && children[id].length); };
  var collapsed = {};
  var totalLeaves = nodes.filter(function (n) { return !isGroup(n.id); }).length;
  // past EXPAND_ALL_AT endpoints networks start collapsed too: a few dozen subnets with their
  // counts are too many to read at once, a dozen networks are not (each opens onto its subnets)
  var COLLAPSED_KINDS = ['subnet', 'cluster', 'kubernetes_namespace'].concat(totalLeaves > EXPAND_ALL_AT ? ['network'] : []);
  function collapseGroups() {
    collapsed = {};
    nodes.forEach(function (n) {
      if (isGroup(n.id) && COLLAPSED_KINDS.indexOf(n.kind) >= 0) collapsed[n.id] = true;
    });
    alwaysCollapsed();
  }
  function alwaysCollapsed() {  // the address ranges of a manifests folder: many, and rarely looked at
    nodes.forEach(function (n) { if (n.kind === 'addresses' && isGroup(n.id)) collapsed[n.id] = true; });
  }
  if (totalLeaves > COLLAPSE_AT) collapseGroups(); else alwaysCollapsed();

  function shown(id) {  // the node drawn for id: itself, or its collapsed ancestor
    var chain = [], at = id;
    while (at) { chain.push(at); at = byId[at] ? byId[at].parent : null; }
    for (var i = chain.length - 1; i >= 0; i--) if (collapsed[chain[i]]) return chain[i];
    return byId[id] ? id : null;
  }
  var highlight = { nodes: [], edges: [], flows: [] };
  var diffEdges = [];
  var showDiff = !!data.diff;
  var cy = null;

  function elements() {
    var out = [];
    nodes.forEach(function (n) {
      if (shown(n.id) !== n.id) return;
      var label = n.label;
      if (collapsed[n.id]) label += '\n(' + leaves[n.id] + ' inside: click to expand)';
      else if (n.detail) label += '\n' + n.detail;
      if (n.personal_data !== 'none') label += '\npersonal data: ' + n.personal_data;
      var lines = label.split('\n'), widest = Math.max.apply(null, lines.map(function (l) { return l.length; }));
      // a collapsed group is written larger: on a large estate it is what the whole view shows
      var scale = collapsed[n.id] ? COLLAPSED_SCALE : 1;
      out.push({ group: 'nodes', data: { id: n.id, label: label, kind: n.kind, parent: n.parent, pd: n.personal_data,
        w: (Math.min(widest, 34) * 8.6 + 12) * scale, h: (lines.length * 19 + 8) * scale },
        classes: collapsed[n.id] ? 'collapsed' : '' });
    });
    data.topology.edges.forEach(function (e) { edge(out, {}, e.id, e.source, e.target, e.kind, e.label); });
    return out;
  }
  var seenEdges = {};
  function edge(out, seen, id, a, b, kind, label, classes) {
    var s = shown(a), t = shown(b);
    if (!s || !t || s === t) return;
    // two tunnels between two gateways are two edges; drawn between collapsed groups, one
    var key = kind + '|' + s + '|' + t + '|' + (s === a && t === b ? id : '') + '|' + (classes ? label : '');
    if (seen[key]) return;
    seen[key] = true;
    out.push({ group: 'edges', data: { id: id, source: s, target: t, kind: kind, label: label }, classes: classes || '' });
  }
  function overlay() {
    var out = [], seen = {};
    highlight.flows.forEach(function (f, i) {
      edge(out, seen, 'flow' + i, 'ep:' + f.from, 'ep:' + f.to, 'flow', f.label, 'flow ' + f.verdict);
    });
    if (showDiff) diffEdges.forEach(function (f, i) {
      edge(out, seen, 'diff' + i, 'ep:' + f.from, 'ep:' + f.to, 'diff', f.label, 'diff ' + f.change);
    });
    return out;
  }
  var STYLE = [
    { selector: 'node', style: { 'label': 'data(label)', 'text-wrap': 'wrap', 'text-max-width': 260, 'font-size': 15,
      'text-valign': 'center', 'text-halign': 'center', 'shape': 'round-rectangle', 'background-color': '#ffffff',
      'border-width': 1, 'border-color': '#777', 'width': 'data(w)', 'height': 'data(h)', 'padding': 6 } },
    { selector: ':parent', style: { 'text-valign': 'top', 'text-max-width': 500, 'font-size': 17, 'font-weight': 'bold', 'padding': 12,
      'background-color': '#ffffff', 'background-opacity': 1 } },
    { selector: 'node[kind = "cloud"]', style: { 'background-color': '#f1f1f1', 'border-width': 2, 'font-size': 19 } },
    { selector: 'node[kind = "network"]', style: { 'background-color': '#e6effb', 'border-color': '#5b7fb5' } },
    { selector: 'node[kind = "cluster"]', style: { 'background-color': '#eaf6ea', 'border-color': '#4d944d' } },
    { selector: 'node[kind = "kubernetes_namespace"]', style: { 'background-color': '#f6fbf6', 'border-color': '#4d944d', 'border-style': 'dashed' } },
    { selector: 'node[kind = "addresses"]', style: { 'background-color': '#fff6d5' } },
    { selector: 'node[kind = "gateway"]', style: { 'shape': 'diamond', 'border-color': '#d62728', 'padding': 14 } },
    { selector: 'node[kind = "internet"]', style: { 'shape': 'ellipse', 'background-color': '#fff6d5', 'padding': 12 } },
    { selector: 'node[kind = "namespace"]', style: { 'shape': 'hexagon', 'border-color': '#9467bd', 'border-style': 'dashed', 'padding': 12 } },
    { selector: 'node[kind = "load_balancer"]', style: { 'shape': 'tag', 'border-color': '#2ca02c', 'padding': 10 } },
    { selector: 'node[kind = "external_api"]', style: { 'shape': 'barrel', 'border-color': '#888', 'padding': 10 } },
    { selector: 'node[pd = "stores"]', style: { 'border-color': '#d62728', 'border-width': 4, 'background-color': '#fde8e8' } },
    { selector: 'node[pd = "processes"]', style: { 'border-color': '#ff7f0e', 'border-width': 3 } },
    { selector: 'node.collapsed', style: { 'background-color': '#dde6f5', 'border-style': 'double', 'border-width': 4,
      'font-size': 24, 'text-max-width': 420 } },
    { selector: 'edge', style: { 'curve-style': 'bezier', 'width': 2, 'label': 'data(label)', 'font-size': 12,
      'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-rotation': 'autorotate', 'line-color': '#999' } },
    { selector: 'edge[kind = "peering"]', style: { 'line-color': '#1f77b4', 'width': 3 } },
    { selector: 'edge[kind = "vpn"]', style: { 'line-color': '#d62728', 'line-style': 'dashed', 'width': 3 } },
    { selector: 'edge[kind = "backend"]', style: { 'line-color': '#2ca02c', 'target-arrow-shape': 'triangle', 'target-arrow-color': '#2ca02c' } },
    { selector: 'edge[kind = "member"]', style: { 'line-color': '#9467bd', 'line-style': 'dotted' } },
    { selector: 'edge.flow', style: { 'width': 4, 'target-arrow-shape': 'triangle', 'curve-style': 'unbundled-bezier', 'font-size': 14, 'font-weight': 'bold' } },
    { selector: 'edge.flow.allowed', style: { 'line-color': '#2ca02c', 'target-arrow-color': '#2ca02c' } },
    { selector: 'edge.flow.conditional', style: { 'line-color': '#e6a700', 'target-arrow-color': '#e6a700' } },
    { selector: 'edge.flow.denied', style: { 'line-color': '#d62728', 'target-arrow-color': '#d62728', 'line-style': 'dashed' } },
    { selector: 'edge.diff', style: { 'width': 3, 'target-arrow-shape': 'triangle', 'curve-style': 'unbundled-bezier' } },
    { selector: 'edge.diff.opened', style: { 'line-color': '#2ca02c', 'target-arrow-color': '#2ca02c' } },
    { selector: 'edge.diff.closed', style: { 'line-color': '#d62728', 'target-arrow-color': '#d62728', 'line-style': 'dashed' } },
    { selector: 'node.hl', style: { 'border-color': '#1f3fbf', 'border-width': 5,
      'underlay-color': '#ffd400', 'underlay-padding': 6, 'underlay-opacity': 0.55 } },
    { selector: 'edge.hl', style: { 'line-color': '#1f3fbf', 'width': 5,
      'underlay-color': '#ffd400', 'underlay-padding': 6, 'underlay-opacity': 0.55 } },
    { selector: 'node.new-finding', style: { 'border-color': '#d62728', 'border-width': 6, 'border-style': 'double' } }
  ];
  function seeded(seed) {  // mulberry32: the same page lays out the same way every time
    return function () {
      seed = (seed + 0x6D2B79F5) | 0;
      var t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function layout() {
    var random = Math.random;
    Math.random = seeded(7);
    try { runLayout(); } finally { Math.random = random; }
  }
  var FCOSE = { name: 'fcose', quality: 'default', animate: false, randomize: true, padding: 20,
    nodeDimensionsIncludeLabels: true, packComponents: true, nodeRepulsion: 4500,
    idealEdgeLength: 50, nestingFactor: 0.1, gravity: 0.5, tile: true };
  // fCoSE can leave large groups (networks peered to one hub) overlapping; it is run again from
  // where it stopped, with more room between groups, until none overlaps (a few passes at most)
  var SPREAD = { randomize: false, quality: 'proof', nodeRepulsion: 20000, idealEdgeLength: 250 };
  function overlapping() {
    var groups = cy.nodes(':parent, .collapsed'), byParent = {};
    groups.forEach(function (n) { (byParent[n.data('parent')] = byParent[n.data('parent')] || []).push(n); });
    return Object.keys(byParent).some(function (key) {
      var siblings = byParent[key].map(function (n) { return n.boundingBox({ includeLabels: true }); });
      for (var i = 0; i < siblings.length; i++) for (var j = i + 1; j < siblings.length; j++) {
        var a = siblings[i], b = siblings[j];
        if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) return true;
      }
      return false;
    });
  }
  function runLayout() {
    cy.layout(FCOSE).run();
    for (var pass = 0; pass < 3 && overlapping(); pass++) cy.layout(Object.assign({}, FCOSE, SPREAD)).run();
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); }  // a small estate is not drawn giant
  }
  function rebuild() {  // the groups changed: draw and lay out again
    cy.startBatch();
    cy.elements().remove();
    cy.add(elements());
    cy.endBatch();
    layout();
    refresh();
  }
  function refresh() {  // the highlight or the diff changed: the same layout, new overlays
    if (!cy) return;
    cy.remove('edge.flow, edge.diff');
    cy.add(overlay());
    paint();
  }
  function paint() {
    cy.elements().removeClass('hl new-finding');
    highlight.nodes.forEach(function (id) { var s = shown(id); if (s) cy.getElementById(s).addClass('hl'); });
    highlight.edges.forEach(function (id) { cy.getElementById(id).addClass('hl'); });
    if (showDiff) newFindingObjects.forEach(function (id) { var s = shown(id); if (s) cy.getElementById(s).addClass('new-finding'); });
  }
  function drawTopology() {
    cy = cytoscape({ container: document.getElementById('cy'), style: STYLE,
      minZoom: 0.05, maxZoom: 4, elements: [] });
    rebuild();
    cy.on('tap', 'node', function (event) {
      var id = event.target.id();
      if (isGroup(id)) {
        var opening = !!collapsed[id];
        if (opening) delete collapsed[id]; else collapsed[id] = true;
        rebuild();
        // an opened group is shown at a size its members can be read at (Fit shows all again)
        if (opening) {
          cy.fit(cy.getElementById(id), 30);
          if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(cy.getElementById(id)); }
        }
      }
      select(id);
    });
    cy.on('tap', 'edge', function (event) { selectEdge(event.target.id()); });
  }
  function select(id) {
    var n = byId[id], box = document.getElementById('selected');
    box.textContent = '';
    if (!n) return;
    add(box, el('h3', '', n.label), el('div', '', n.kind + (n.detail ? ': ' + n.detail : '')));
    if (n.personal_data !== 'none') add(box, el('div', 'minus', 'personal data: ' + n.personal_data));
    if (isGroup(id)) add(box, el('div', '', leaves[id] + ' endpoints inside'));
    written(box, n.source ? [n.source] : []);
    if (id.indexOf('ep:') === 0) {
      var name = id.slice(3), b = el('button', '', 'Its flows in the matrix');
      b.addEventListener('click', function () {
        document.getElementById('filter-from').value = name;
        document.getElementById('filter-to').value = '';
        drawMatrix(); show('matrix');
      });
      add(box, b);
    }
  }
  function written(box, sources) {  // where the object was written; read from Terraform, its address
    sources.forEach(function (r) {
      if (r.address) add(box, el('div', 'address', 'Terraform: ' + r.address));
      add(box, el('div', 'written', '↳ ' + r.file + ':' + r.line + ':' + r.column));
    });
  }
  var edgeById = {};
  data.topology.edges.forEach(function (e) { edgeById[e.id] = e; });
  function selectEdge(id) {
    var e = edgeById[id], box = document.getElementById('selected');
    box.textContent = '';
    if (!e) return;
    add(box, el('h3', '', e.kind + ' ' + e.label), el('div', '', byId[e.source].label + ' — ' + byId[e.target].label));
    written(box, e.sources || []);
  }
  var legend = document.getElementById('legend');
  [['cloud (jurisdiction)', '#f1f1f1', '#777'], ['network', '#e6effb', '#5b7fb5'], ['cluster', '#eaf6ea', '#4d944d'],
   ['stores personal data', '#fde8e8', '#d62728'], ['processes personal data', '#fff', '#ff7f0e'],
   ['collapsed group', '#dde6f5', '#777'], ['peering', '#fff', '#1f77b4'], ['VPN tunnel (BGP)', '#fff', '#d62728'],
   ['load balancer → backend', '#fff', '#2ca02c'], ['global namespace', '#fff', '#9467bd'],
   ['highlighted: the selected flow\'s path', '#ffd400', '#1f3fbf']].concat(data.diff ? [
   ['diff: flow newly allowed', '#fff', '#2ca02c'], ['diff: flow newly denied (dashed)', '#fff', '#d62728'],
   ['diff: object of a finding that appears', '#fff', '#d62728']] : []).forEach(function (item) {
    var swatch = el('i');
    swatch.style.background = item[1];
    swatch.style.borderColor = item[2];
    add(legend, add(el('div'), swatch, el('span', '', item[0])));
  });
  document.getElementById('fit').addEventListener('click', function () { if (cy) cy.fit(undefined, 20); });
  var expandAll = document.getElementById('expand-all');
  if (totalLeaves > EXPAND_ALL_AT) {
    expandAll.disabled = true;
    expandAll.title = totalLeaves + ' endpoints: open the groups one at a time';
  }
  expandAll.addEventListener('click', function () { collapsed = {}; rebuild(); });
  document.getElementById('collapse-all').addEventListener('click', function () { collapseGroups(); rebuild(); });
  document.getElementById('clear').addEventListener('click', function () {
    highlight = { nodes: [], edges: [], flows: [] }; refresh();
  });
  function objectNodes(name) {
    return ['ep:', 'net:', 'sub:', 'cluster:', 'gw:', 'cloud:', 'gns:', 'ns:'].map(function (p) { return p + name; })
      .filter(function (id) { return byId[id]; });
  }
  var peeringEdge = {};
  data.topology.edges.forEach(function (e) {
    if (e.kind === 'peering') e.label.split(' / ').forEach(function (name) { peeringEdge[name] = e.id; });
  });
  function traceTargets(flow, into) {
    (flow.hops || []).forEach(function (hop) {
      objectNodes(hop.node).forEach(function (id) { into.nodes.push(id); });
      hop.steps.forEach(function (step) {
        var r = step.source ? step.source.resource : '';
        if (r.indexOf('vpn-tunnel/') === 0) into.edges.push('vpn:' + r.slice(11));
        if (r.indexOf('peering/') === 0 && peeringEdge[r.slice(8)]) into.edges.push(peeringEdge[r.slice(8)]);
      });
    });
  }
  function highlightFlows(a, b, verdict, label, flows) {
    highlight = { nodes: ['ep:' + a, 'ep:' + b], edges: [], flows: [{ from: a, to: b, verdict: verdict, label: label }] };
    (flows || []).forEach(function (f) { traceTargets(f, highlight); });
    refresh();
  }

  /* ---------- traces ---------- */
  var traces = {}, packed = data.traces || { strings: [], sources: [], pairs: [], complete: false };
  packed.pairs.forEach(function (t) { traces[pairKey(t.from, t.to)] = t.flows; });
  function unpack(flow) {  // a packed flow (strings and sources written once) as reach gives it
    if (flow.error) return flow;
    var S = packed.strings, out = {};
    Object.keys(flow).forEach(function (k) { out[k] = flow[k]; });
    out.hops = flow.hops.map(function (hop) {
      return { node: S[hop[0]], steps: hop[1].map(function (s) {
        return { action: S[s[0]], detail: S[s[1]], source: s[2] < 0 ? null : packed.sources[s[2]] };
      }) };
    });
    return out;
  }
  function pairTraces(a, b) {
    var flows = traces[pairKey(a, b)];
    return flows ? flows.map(unpack) : null;
  }
  function traceView(flow) {
    var box = el('div', 'flow');
    if (flow.error) return add(box, el('div', 'verdict denied', flow.from + ' → ' + flow.to + ' ' + flow.port + ': ' + flow.error));
    var verdict = flow.verdict === 'allowed' ? 'ALLOWED' : 'DENIED';
    add(box, el('div', 'verdict ' + flow.verdict, verdict + ' ' + flow.from + ' → ' + flow.to + ' ' + flow.port + '  (' + flow.disposition + ')'));
    (flow.conditions || []).forEach(function (c) { add(box, el('div', 'verdict conditional', 'only with ' + c)); });
    var list = el('ol', 'hops');
    flow.hops.forEach(function (hop) {
      var item = add(el('li'), el('div', 'hop', hop.node));
      hop.steps.forEach(function (step) {
        var deny = step.action.indexOf('DROP') === 0 || step.detail.indexOf('denied') >= 0;
        add(item, add(el('div', 'step' + (deny ? ' deny' : '')), el('span', 'action', step.action), el('span', 'detail', step.detail)));
        if (step.source) add(item, el('div', 'step source', '↳ ' + where(step.source)));
      });
      add(list, item);
    });
    return add(box, list);
  }

  /* ---------- matrix ---------- */
  var matrix = data.matrix, connections = {};
  if (matrix) matrix.connections.forEach(function (c) { connections[pairKey(c.from, c.to)] = c; });
  function state(a, b) {
    var c = connections[pairKey(a, b)];
    if (c && c.allowed.length) return 'allowed';
    if (c && c.allowed_if) return 'conditional';
    return 'denied';
  }
  var selectedCell = null;
  function showPair(a, b, cell) {
    if (selectedCell) selectedCell.classList.remove('selected');
    selectedCell = cell || null;
    if (cell) cell.classList.add('selected');
    var box = document.getElementById('trace'), c = connections[pairKey(a, b)], s = state(a, b);
    box.textContent = '';
    add(box, el('h2', '', a + ' → ' + b));
    var summary = s === 'denied' ? 'nothing allowed' : 'allowed: ' + (c.allowed.join(', ') || 'nothing outright');
    add(box, el('div', 'verdict ' + s, summary));
    if (c && c.allowed_if) c.allowed_if.forEach(function (x) {
      add(box, el('div', 'verdict conditional', 'for some requests only: ' + x.services.join(', ') + ' if ' + x.conditions.join('; ')));
    });
    var flows = pairTraces(a, b), ask = 'crossfence reach ' + data.path + ' --from ' + a + ' --to ' + b + ' --port PROTO/PORT';
    if (!flows && !packed.complete) add(box, el('p', '', 'This trace is past the report\'s size limit; ask for it with: ' + ask));
    else if (!flows) add(box, el('p', '', b + ' listens on no single port and this pair allows none: no trace (' + ask + ' asks one).'));
    (flows || []).forEach(function (f) { add(box, traceView(f)); });
    highlightFlows(a, b, s, s === 'denied' ? 'denied' : (c.allowed.join(', ') || 'for some requests'), flows);
  }
  function drawMatrix() {
    var grid = document.getElementById('grid'), note = document.getElementById('matrix-note');
    var from = document.getElementById('filter-from').value.toLowerCase();
    var to = document.getElementById('filter-to').value.toLowerCase();
    grid.textContent = '';
    if (matrix && matrix.endpoints.length <= GRID_AT) {
      var rows = matrix.endpoints.filter(function (n) { return n.toLowerCase().indexOf(from) >= 0; });
      var cols = matrix.endpoints.filter(function (n) { return n.toLowerCase().indexOf(to) >= 0; });
      note.textContent = rows.length + ' sources × ' + cols.length + ' destinations. Click a cell for its trace (every layer, as crossfence reach gives it), highlighted on the topology.';
      var table = el('table', 'grid'), head = add(el('tr'), el('th', 'corner', 'from \\ to'));
      cols.forEach(function (n) { add(head, el('th', 'col', n)); });
      add(table, head);
      rows.forEach(function (a) {
        var tr = add(el('tr'), el('th', 'row', a));
        cols.forEach(function (b) {
          var td = el('td', a === b ? 'self' : state(a, b));
          if (a !== b) {
            var c = connections[pairKey(a, b)];
            td.dataset.from = a; td.dataset.to = b;
            td.title = a + ' → ' + b + ': ' + (c ? (c.allowed.join(', ') || 'for some requests only') : 'nothing allowed');
          }
          add(tr, td);
        });
        add(table, tr);
      });
      table.addEventListener('click', function (event) {
        var td = event.target.closest('td');
        if (td && td.dataset.from) showPair(td.dataset.from, td.dataset.to, td);
      });
      add(grid, table);
      return;
    }
    var sum = data.matrix_summary, names = sum.groups;
    note.textContent = data.endpoints.toLocaleString('en') + ' endpoints: the matrix counted per network and cluster (' +
      data.pairs.toLocaleString('en') + ' pairs allow something). Every pair: crossfence matrix ' + data.path + ' --format csv; one trace: crossfence reach.';
    var t = el('table', 'grid summary');
    add(t, add(el('tr'), el('th', '', 'from'), el('th', '', 'to'), el('th', '', 'pairs allowing something'),
      el('th', '', 'of all pairs'), el('th', '', 'for some requests only'), el('th', '', 'share')));
    sum.pairs.forEach(function (p) {
      var x = names[p.from], y = names[p.to];
      if (x.name.toLowerCase().indexOf(from) < 0 || y.name.toLowerCase().indexOf(to) < 0) return;
      var share = p.possible ? p.allowing / p.possible : 0, bar = el('td', 'share', Math.round(share * 100) + '%');
      bar.style.background = 'rgba(44, 160, 44, ' + (0.1 + 0.9 * share).toFixed(2) + ')';
      add(t, add(el('tr'), el('td', 'name', x.name + ' (' + x.members + ')'), el('td', 'name', y.name + ' (' + y.members + ')'),
        el('td', '', p.allowing.toLocaleString('en')), el('td', '', p.possible.toLocaleString('en')),
        el('td', '', p.conditional ? p.conditional.toLocaleString('en') : ''), bar));
    });
    add(grid, t);
  }
  var timer = null;
  ['filter-from', 'filter-to'].forEach(function (id) {
    document.getElementById(id).addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(drawMatrix, 150); });
  });

  /* ---------- findings ---------- */
  var refs = function (objects) {
    var ids = [];
    objects.forEach(function (o) { objectNodes(o.name).forEach(function (id) { ids.push(id); }); });
    return ids;
  };
  function findingView(f, suppressed) {
    var box = el('div', 'finding ' + f.severity + (suppressed ? ' suppressed' : ''));
    add(box, add(el('div'), el('span', 'badge ' + f.severity, f.severity), el('strong', '', f.check), el('span', '', '  ' + f.title)));
    add(box, el('div', '', f.message));
    f.objects.forEach(function (o) {
      add(box, el('div', 'objects', '↳ ' + o.kind + ' ' + o.name + (o.file ? ' (' + o.file + (o.line ? ':' + o.line : '') + ')' : '')));
    });
    if (suppressed) add(box, el('div', 'reason', 'suppressed: ' + f.suppressed.reason));
    (f.explains || []).forEach(function (x) { add(box, el('div', '', 'also: ' + x.check + ': ' + x.message)); });
    var button = el('button', '', 'Show on the topology');
    button.addEventListener('click', function () {
      highlight = { nodes: refs(f.objects), edges: [], flows: [] };
      f.traces.forEach(function (t) {
        highlight.flows.push({ from: t.from, to: t.to, verdict: t.verdict, label: t.port });
        traceTargets(t, highlight);
      });
      show('topology'); refresh();
    });
    add(box, button);
    if (f.traces.length) {
      var details = add(el('details'), el('summary', '', f.traces.length + ' trace' + (f.traces.length > 1 ? 's' : '')));
      f.traces.forEach(function (t) { add(details, traceView(t)); });
      add(box, details);
    }
    return box;
  }
  function drawFindings() {
    var panel = document.getElementById('findings');
    add(panel, el('p', '', check.findings.length + ' finding' + (check.findings.length === 1 ? '' : 's') +
      (counts.length ? ' (' + counts.join(', ') + ')' : '') + ', ' + check.suppressed.length + ' suppressed; ' + check.summary.checks + ' checks'));
    if (!check.findings.length) add(panel, el('p', 'plus', 'no finding'));
    check.findings.forEach(function (f) { add(panel, findingView(f, false)); });
    if (check.suppressed.length) {
      add(panel, el('h2', '', 'Suppressed'));
      check.suppressed.forEach(function (f) { add(panel, findingView(f, true)); });
    }
    check.unused_suppressions.forEach(function (u) {
      add(panel, el('p', 'minus', 'suppression of ' + u.check + (u.objects.length ? ' for ' + u.objects.join(', ') : '') +
        ' matched no finding' + (u.file ? ' (' + u.file + ':' + u.line + ')' : '')));
    });
  }

  /* ---------- diff ---------- */
  var newFindingObjects = [];
  function drawDiff() {
    var d = data.diff, panel = document.getElementById('diff');
    if (!d) { panel.remove(); return; }
    document.querySelector('#tabs [data-tab="diff"]').hidden = false;
    add(panel, el('h2', '', d.old + ' → ' + d.new));
    var toggle = el('input');
    toggle.type = 'checkbox'; toggle.checked = true;
    toggle.addEventListener('change', function () { showDiff = toggle.checked; refresh(); });
    add(panel, add(el('label'), toggle, el('span', '', ' show the changes on the topology (green: newly allowed, red dashed: newly denied)')));
    d.endpoints.added.forEach(function (n) { add(panel, el('div', 'plus', '+ endpoint ' + n)); });
    d.endpoints.removed.forEach(function (n) { add(panel, el('div', 'minus', '- endpoint ' + n)); });
    if (!d.flows.length && !d.findings.added.length && !d.findings.removed.length) add(panel, el('p', '', 'no change in connectivity or findings'));
    if (d.flows.length) {
      var t = add(el('table', 'flows'), add(el('tr'), el('th', '', 'from'), el('th', '', 'to'), el('th', '', 'newly allowed'), el('th', '', 'newly denied')));
      d.flows.forEach(function (f) {
        add(t, add(el('tr'), el('td', '', f.from), el('td', '', f.to), el('td', 'plus', f.added.join(', ')), el('td', 'minus', f.removed.join(', '))));
        if (f.added.length) diffEdges.push({ from: f.from, to: f.to, change: 'opened', label: '+ ' + f.added.join(', ') });
        if (f.removed.length) diffEdges.push({ from: f.from, to: f.to, change: 'closed', label: '- ' + f.removed.join(', ') });
      });
      add(panel, el('h3', '', 'Flows'), t);
    }
    if (d.findings.added.length) add(panel, el('h3', 'minus', 'Findings that appear'));
    d.findings.added.forEach(function (f) { add(panel, findingView(f, false)); newFindingObjects = newFindingObjects.concat(refs(f.objects)); });
    if (d.findings.removed.length) add(panel, el('h3', 'plus', 'Findings that go'));
    d.findings.removed.forEach(function (f) { add(panel, findingView(f, false)); });
  }

  drawDiff();
  drawFindings();
  drawMatrix();
  drawTopology();
  // printed, the canvas becomes an image of the whole topology (print dialogs fire beforeprint;
  // print previews and PDF printers may only switch the media)
  function snapshot() {
    if (cy) document.getElementById('cy-print').src = cy.png({ full: true, bg: '#ffffff', maxWidth: 2000 });
  }
  window.addEventListener('beforeprint', snapshot);
  window.matchMedia('print').addEventListener('change', function (event) { if (event.matches) snapshot(); });
  window.crossfenceReport = { data: data, cy: function () { return cy; }, showPair: showPair, show: show, trace: pairTraces,
    select: select, selectEdge: selectEdge };
})();
