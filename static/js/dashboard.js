// Dashboard charts: ECharts (served by the project), drawn as SVG so that they print sharply.
// Each chart's data sits in a <script type="application/json"> made by Django's json_script:
// {kind: "bar" | "pie", labels, values, links, unit}. Clicking a bar or a slice opens what is behind it.
(function () {
  "use strict";
  var COLOURS = ["#b71c1c", "#e57373", "#f9a825", "#9e9e9e", "#5d4037", "#1565c0"];

  function option(spec) {
    if (spec.kind === "pie") {
      return {
        color: spec.colours || COLOURS,
        tooltip: { trigger: "item", formatter: "{b}：{c}人（{d}%）" },
        legend: { bottom: 0 },
        series: [{
          type: "pie", radius: ["28%", "52%"], top: 0, bottom: 30, minShowLabelAngle: 8,
          label: { formatter: "{b}\n{c}人", overflow: "none" }, labelLine: { length: 8, length2: 6 },
          data: spec.labels.map(function (label, i) { return { name: label, value: spec.values[i] }; })
        }]
      };
    }
    return {
      color: COLOURS,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + spec.unit; } },
      grid: { left: 8, right: 8, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 6 ? 45 : 0 } },
      yAxis: spec.unit === "%" ? { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }
                                : { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: spec.values, label: { show: spec.labels.length <= 20, position: "top" } }]
    };
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var url = spec.links && spec.links[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    if (spec.links && spec.links.length) { el.style.cursor = "pointer"; }
    el.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
