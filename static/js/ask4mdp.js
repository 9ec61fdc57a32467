// ask4mdp's own behaviour: no inline scripts (CSP), everything wired by data attributes.
(function () {
  "use strict";

  // Live word counters: <textarea data-word-limit="600" aria-describedby="ID"> with <span id="ID">.
  function countWords(text) {
    const words = text.trim().split(/\s+/).filter(Boolean);
    return words.length;
  }
  function wireWordCounters(root) {
    root.querySelectorAll("textarea[data-word-limit]").forEach(function (area) {
      const limit = parseInt(area.dataset.wordLimit, 10);
      const out = document.getElementById(area.dataset.wordCounter);
      if (!out) return;
      const update = function () {
        const n = countWords(area.value);
        out.textContent = out.dataset.template.replace("%(count)s", n).replace("%(limit)s", limit);
        out.classList.toggle("over", n > limit);
      };
      area.addEventListener("input", update);
      update();
    });
  }

  // Charts: <canvas data-chart="bar|line|doughnut" data-chart-source="json-script-id">; the JSON is
  // {"labels": [...], "datasets": [{"label": "...", "data": [...]}], "options": {...}}.
  function wireCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.wired) return;
      const source = document.getElementById(canvas.dataset.chartSource);
      if (!source) return;
      const spec = JSON.parse(source.textContent);
      canvas.dataset.wired = "1";
      new Chart(canvas, {
        type: canvas.dataset.chart,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, spec.options || {}),
      });
    });
  }

  // "Select all" checkboxes: <input type="checkbox" data-select-all="name-of-the-checkboxes">.
  function wireSelectAll(root) {
    root.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (b) {
          b.checked = box.checked;
        });
      });
    });
  }

  // Confirmation before irreversible actions: <button data-confirm="Are you sure?">.
  function wireConfirm(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (event) {
        if (!window.confirm(el.dataset.confirm)) event.preventDefault();
      });
    });
  }

  function wire(root) {
    wireWordCounters(root);
    wireCharts(root);
    wireSelectAll(root);
    wireConfirm(root);
  }
  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  document.addEventListener("htmx:afterSettle", function (event) { wire(event.target); });
})();
