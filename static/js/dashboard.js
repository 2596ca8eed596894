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
    keepWhole(chart);
    chart.on("click", function (params) {
      var url = spec.links && spec.links[params.dataIndex];
      if (url) { window.location.href = url; }
    });
    if (spec.links && spec.links.length) { el.style.cursor = "pointer"; }
    el.dataset.drawn = "1";
    charts.push(chart);
  }

  // A chart keeps the size it was drawn at; the printed page is narrower or wider than the screen and the print
  // stylesheet lays the charts out afresh (site.css), so each chart is redrawn to its box whenever the page is
  // laid out for paper and again for the screen. Chromium lays the page out for print when the print media query
  // starts to match (beforeprint comes before that layout, so resizing there alone keeps the screen size).
  var charts = [];
  function resizeAll() {
    charts.forEach(function (chart) {
      chart.resize();
      chart.getZr().flush();  // drawn now, not at the next frame: a print does not wait for one
      keepWhole(chart);
    });
  }

  // Where a browser prints without telling the page (Chromium's print to PDF), the print stylesheet scales the
  // drawing into its box instead: an SVG scales whole only with a viewBox, which ECharts does not set.
  function keepWhole(chart) {
    var svg = chart.getDom().querySelector("svg");
    if (svg) { svg.setAttribute("viewBox", "0 0 " + chart.getWidth() + " " + chart.getHeight()); }
  }
  window.addEventListener("resize", resizeAll);
  window.addEventListener("beforeprint", resizeAll);
  window.addEventListener("afterprint", resizeAll);
  var print = window.matchMedia("print");
  if (print.addEventListener) { print.addEventListener("change", resizeAll); } else { print.addListener(resizeAll); }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
