// Draws the console's charts with uPlot from the JSON in each [data-chart] element
// (the page's data, put there by the server: no inline script under the CSP).
// {time, timezone?, bars?, x: [...], series: [{label, values: [...]}]}
(function () {
  "use strict";
  const colours = ["#0b6e4f", "#1f6feb", "#b3261e"];

  function draw(el) {
    const spec = JSON.parse(el.dataset.chart);
    const bars = spec.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : null;
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: 260,
      scales: { x: { time: spec.time } },
      series: [{}].concat(spec.series.map((s, i) => ({
        label: s.label,
        stroke: colours[i % colours.length],
        width: 2,
        fill: i === 0 ? colours[0] + "22" : undefined,
        paths: bars && i === 0 ? bars : undefined,
      }))),
    };
    if (spec.time && spec.timezone) {
      // the box's time zone, not the reader's
      opts.tzDate = (ts) => uPlot.tzDate(new Date(ts * 1000), spec.timezone);
    }
    const chart = new uPlot(opts, [spec.x].concat(spec.series.map((s) => s.values)), el);
    window.addEventListener("resize", () => {
      chart.setSize({ width: Math.max(280, el.clientWidth), height: 260 });
    });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
})();
