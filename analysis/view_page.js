// The script of the page atlas-sim view writes (analysis/view_html.c embeds this file).
// It places every item (<g class="it"> with data-t0/t1, data-a/b) for the current time
// window and lane layout: zoom, pan and expanding a group of lanes all call layout().
// State may come from the URL: #expand=all|0,2 &node=3 &prop=p-1 &view=1.5,2 &hide=vote
window.onerror = function (m) {
  document.getElementById('errors').textContent += m + '\n';
};
(function () {
  var svg = document.getElementById('diagram'), D = svg.dataset, NS = svg.namespaceURI;
  var W = 1300, L = 90, R = W - 20, TOP = 24, CR = 22, LH = 40;
  var N = +D.nodes, G = +D.group, lo = +D.lo, hi = +D.hi, v0 = +D.v0, v1 = +D.v1;
  var items = svg.querySelectorAll('g.it'), open = {}, laneOf = [], nlanes = 0;
  var row = document.getElementById('row');
  var fnode = document.getElementById('fnode'), fprop = document.getElementById('fprop');
  var kinds = document.querySelectorAll('input[data-k], input[data-e]');
  function X(t) { // not clamped: the plot's clip path cuts what lies outside the window
    return L + (t - v0) / Math.max(v1 - v0, 1e-12) * (R - L);
  }
  function Y(n) {
    return n < 0 ? TOP + CR / 2 : TOP + CR + laneOf[n] * LH + LH / 2;
  }
  function set(el, a) {
    for (var k in a) el.setAttribute(k, a[k]);
  }
  function mk(tag, a, parent, text) {
    var e = document.createElementNS(NS, tag);
    set(e, a);
    if (text !== undefined) e.textContent = text;
    return parent.appendChild(e);
  }
  function lanes() { // one lane per node, or per group of G nodes unless that group is open
    var box = document.getElementById('lanes'), list = [];
    for (var n = 0; n < N; n++) {
      var g = Math.floor(n / G), head = G > 1 && n % G === 0;
      if (G > 1 && !open[g]) {
        var last = Math.min(N - 1, n + G - 1);
        if (head) list.push({grp: g, label: '\u25b8 node' + (last > n ? 's ' + n + '-' + last : ' ' + n)});
      } else {
        list.push({grp: head ? g : -1, label: (head ? '\u25be ' : '') + 'node ' + n});
      }
      laneOf[n] = list.length - 1;
    }
    box.textContent = '';
    mk('text', {x: 4, y: TOP + CR / 2 + 4, 'class': 'lbl'}, box, 'cluster');
    list.forEach(function (l, i) {
      var y = TOP + CR + i * LH + LH / 2, g = mk('g', {'class': 'lane-g'}, box);
      mk('line', {'class': 'lane', x1: L, x2: R, y1: y, y2: y}, g);
      var t = mk('text', {x: 4, y: y + 4, 'class': l.grp >= 0 ? 'lbl grp' : 'lbl'}, g, l.label);
      if (l.grp >= 0) t.setAttribute('data-grp', l.grp);
    });
    nlanes = list.length;
    D.lanes = nlanes;
    svg.setAttribute('height', TOP + CR + nlanes * LH + 8);
    set(document.getElementById('cliprect'), {x: L, y: 0, width: R - L, height: TOP + CR + nlanes * LH + 8});
  }
  function axis() {
    var box = document.getElementById('axis'), bottom = TOP + CR + nlanes * LH;
    box.textContent = '';
    for (var i = 0; i <= 6; i++) {
      var x = L + (R - L) * i / 6, t = v0 + (v1 - v0) * i / 6;
      mk('line', {'class': 'tick', x1: x, x2: x, y1: TOP - 4, y2: bottom}, box);
      mk('text', {x: x, y: TOP - 8, 'text-anchor': i === 0 ? 'start' : i === 6 ? 'end' : 'middle'},
         box, +t.toPrecision(7) + ' s');
    }
  }
  function pos(el, x, y) {
    set(el, el.tagName === 'circle' ? {cx: x, cy: y} : {x: x, y: y});
  }
  function place(g) {
    var d = g.dataset, c = g.children, cl = g.classList, y = Y(+d.a);
    var x0 = X(+d.t0), x1 = d.t1 === undefined ? X(hi) : X(+d.t1);
    if (cl.contains('arrow')) {
      var y1 = Y(+d.b);
      if (cl.contains('lost')) {
        x1 = x0 + 14;
        y1 = y + (y1 - y) / 3;
      }
      set(c[1], {x1: x0, y1: y, x2: x1, y2: y1});
      for (var i = 2; i < c.length; i++) pos(c[i], c[i].tagName === 'circle' ? x1 : x1 - 4, y1 + (c[i].tagName === 'circle' ? 0 : 4));
    } else if (cl.contains('ev')) { // a violation outside the window: at its edge, time given
      var t0 = +d.t0, out = t0 < v0 || t0 > v1;
      if (g.name === undefined) g.name = c[2].textContent;
      cl.toggle('out', out);
      c[2].textContent = g.name + (out ? ' (' + t0 + ' s)' : '');
      if (cl.contains('violation')) x0 = Math.max(L + 8, Math.min(R - 8, x0)); // others: clipped
      pos(c[1], x0, y);
      pos(c[2], x0 - 6, y - 8);
    } else {
      var top = y - 7, h = 4, tx = x0 + 2, ty = y - 9;
      if (cl.contains('sp-down')) {
        top = y - LH / 2 + 2;
        h = LH - 4;
        ty = y + 14;
      } else if (cl.contains('sp-suspect')) {
        top = y + 4 + 3 * d.slot;
        h = 2;
      } else if (cl.contains('sp-partition')) {
        top = TOP;
        h = CR + nlanes * LH;
        ty = TOP + CR / 2 + 4;
      } else if (cl.contains('oc')) {
        top = y - 12;
        h = 2;
        tx = x1 + 1;
        ty = y - 8;
      }
      set(c[1], {x: x0, y: top, width: Math.max(2, x1 - x0), height: h});
      pos(c[2], tx, ty);
    }
  }
  function layout() {
    axis();
    items.forEach(place);
  }
  var pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () {
      pending = false;
      layout();
    });
  }
  function filter() {
    var hide = {}, hideE = {}, node = fnode.value.trim(), prop = fprop.value.trim();
    kinds.forEach(function (c) {
      if (c.checked) return;
      if (c.dataset.k !== undefined) hide[c.dataset.k] = 1;
      else hideE[c.dataset.e] = 1;
    });
    items.forEach(function (g) {
      var d = g.dataset, ok = !(d.k !== undefined && hide[d.k]) && !(d.e !== undefined && hideE[d.e]);
      if (node !== '') ok = ok && (d.a === node || d.b === node);
      if (prop !== '' && !g.classList.contains('span')) ok = ok && d.p === prop;
      g.style.display = ok ? '' : 'none';
    });
  }
  var h = {};
  location.hash.slice(1).split('&').forEach(function (kv) {
    var i = kv.indexOf('=');
    if (i > 0) h[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1));
  });
  (h.expand || '').split(',').forEach(function (g) {
    for (var k = 0; k * G < N; k++) if (g === 'all' || g === String(k)) open[k] = true;
  });
  fnode.value = h.node || '';
  fprop.value = h.prop || '';
  (h.hide || '').split(',').forEach(function (k) {
    kinds.forEach(function (c) {
      if (c.dataset.k === k || c.dataset.e === k) c.checked = false;
    });
  });
  if (h.view) {
    v0 = +h.view.split(',')[0];
    v1 = +h.view.split(',')[1];
  }
  lanes();
  layout();
  filter();
  document.querySelectorAll('#filters input').forEach(function (c) {
    c.addEventListener('input', filter);
  });
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect();
    var f = Math.max(0, Math.min(1, (e.clientX - r.left - L) / (R - L)));
    var t = v0 + f * (v1 - v0), w = (v1 - v0) * (e.deltaY < 0 ? 0.8 : 1.25);
    w = Math.max(1e-9, Math.min(w, 2 * Math.max(hi - lo, 1e-9)));
    v0 = t - f * w;
    v1 = v0 + w;
    redraw();
  }, {passive: false});
  var drag = null, moved = false;
  svg.addEventListener('mousedown', function (e) {
    drag = e.clientX;
    moved = false;
  });
  window.addEventListener('mouseup', function () {
    drag = null;
  });
  svg.addEventListener('mousemove', function (e) {
    if (drag === null || e.clientX === drag) return;
    var dt = (e.clientX - drag) * (v1 - v0) / (R - L);
    moved = true;
    v0 -= dt;
    v1 -= dt;
    drag = e.clientX;
    redraw();
  });
  svg.addEventListener('dblclick', function () {
    v0 = +D.v0;
    v1 = +D.v1;
    redraw();
  });
  document.getElementById('all').addEventListener('click', function () {
    v0 = lo;
    v1 = hi > lo ? hi : lo + 1;
    redraw();
  });
  svg.addEventListener('click', function (e) {
    if (moved) return;
    var grp = e.target.getAttribute('data-grp');
    if (grp !== null) {
      open[grp] = !open[grp];
      lanes();
      layout();
      return;
    }
    var g = e.target.closest('g.it');
    if (g) row.textContent = g.querySelector('title').textContent;
  });
  var v = document.getElementById('first-violation');
  if (v) {
    row.textContent = v.querySelector('title').textContent;
    v.scrollIntoView({block: 'center'});
  }
})();
