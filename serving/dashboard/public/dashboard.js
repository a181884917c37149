// The live dashboard: one EventSource, four uPlot charts, tiles and a table updated in place.
// Plain browser JavaScript, no build step; uPlot is served from node_modules by the API.
(() => {
  const WINDOW = 120; // points kept per time series (about two minutes at 1 Hz)
  const COLORS = [
    "#4fb3ff",
    "#ffb86b",
    "#5fd38d",
    "#ff6b6b",
    "#c792ea",
    "#f78c6c",
    "#89ddff",
    "#c3e88d",
    "#ffcb6b",
    "#82aaff",
  ];
  const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
  const $ = (id) => document.getElementById(id);

  function width(el) {
    return Math.max(320, el.clientWidth || el.parentElement.clientWidth - 16);
  }

  /** A time-series chart whose series (keys of the pushed records) may appear over time. */
  function timeSeries(el) {
    let keys = [];
    let data = [[]];
    let plot = null;
    function build() {
      if (plot) plot.destroy();
      plot = new uPlot(
        {
          width: width(el),
          height: 200,
          legend: { live: false },
          series: [
            {},
            ...keys.map((k, i) => ({
              label: k,
              stroke: COLORS[i % COLORS.length],
              width: 2,
              points: { show: false },
            })),
          ],
          axes: [
            { stroke: "#8b95a5", grid: { stroke: "#263041" } },
            {
              stroke: "#8b95a5",
              grid: { stroke: "#263041" },
              size: 64,
              values: (_u, ticks) => ticks.map((v) => fmt.format(v)),
            },
          ],
          scales: { y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
        },
        data,
        el,
      );
    }
    return {
      push(ts, record) {
        const next = Object.keys(record).sort();
        if (!plot || next.join("\u0000") !== keys.join("\u0000")) {
          const old = keys;
          keys = [...new Set([...old, ...next])].sort();
          data = [
            data[0],
            ...keys.map((k) => {
              const i = old.indexOf(k);
              return i >= 0 ? data[i + 1] : data[0].map(() => null);
            }),
          ];
          build();
        }
        data[0].push(ts / 1000);
        keys.forEach((k, i) => {
          data[i + 1].push(k in record ? record[k] : null);
        });
        if (data[0].length > WINDOW) for (const s of data) s.shift();
        plot.setData(data);
      },
    };
  }

  /** The score histogram as bars over the bins' lower edges. */
  function histogram(el) {
    const bars = uPlot.paths.bars({ size: [0.9, 100] });
    let plot = null;
    return {
      update(h) {
        const data = [h.edges.slice(0, -1), h.counts];
        if (!plot) {
          plot = new uPlot(
            {
              width: width(el),
              height: 200,
              scales: {
                x: { time: false, range: [0, 1] },
                y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
              },
              legend: { live: false },
              series: [
                { label: "score ≥" },
                {
                  label: "customers",
                  fill: "#4fb3ff88",
                  stroke: "#4fb3ff",
                  paths: bars,
                  points: { show: false },
                },
              ],
              axes: [
                { stroke: "#8b95a5", grid: { stroke: "#263041" } },
                { stroke: "#8b95a5", grid: { stroke: "#263041" }, size: 64 },
              ],
            },
            data,
            el,
          );
        } else {
          plot.setData(data);
        }
      },
    };
  }

  const charts = {
    events: timeSeries($("chart-events")),
    lag: timeSeries($("chart-lag")),
    watermark: timeSeries($("chart-watermark")),
    histogram: histogram($("chart-histogram")),
  };

  function setText(id, text) {
    const el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  /** Updates the at-risk table in place: rows are keyed by customer id and reordered, not rebuilt. */
  function updateTable(items) {
    const body = document.querySelector("#at-risk tbody");
    const existing = new Map([...body.rows].map((row) => [row.dataset.customer, row]));
    items.forEach((item, rank) => {
      let row = existing.get(item.customer_id);
      existing.delete(item.customer_id);
      if (!row) {
        row = body.insertRow();
        row.dataset.customer = item.customer_id;
        for (let i = 0; i < 8; i++) row.insertCell();
      }
      const cells = [
        String(rank + 1),
        item.customer_id,
        item.score.toFixed(3),
        item.risk_band ?? "",
        item.plan ?? "",
        item.country ?? "",
        item.monthly_price_cents == null ? "" : `$${(item.monthly_price_cents / 100).toFixed(0)}`,
        (item.top_reasons ?? []).join(", "),
      ];
      let changed = false;
      cells.forEach((text, i) => {
        if (row.cells[i].textContent !== text) {
          row.cells[i].textContent = text;
          if (i === 2) changed = true;
        }
      });
      row.cells[3].className = `band-${item.risk_band ?? ""}`;
      if (changed) {
        row.classList.remove("changed");
        void row.offsetWidth; // restart the flash animation
        row.classList.add("changed");
      }
      if (body.rows[rank] !== row) body.insertBefore(row, body.rows[rank] ?? null);
    });
    for (const row of existing.values()) row.remove();
  }

  const NA = "n/a";
  const count = (value) => (value == null ? NA : fmt.format(value));

  /** Dead letters per stage, one line each (`sink:silver` shown as "silver sink"). */
  function deadLetters(byStage) {
    if (byStage == null) return NA;
    const lines = Object.entries(byStage).map(([stage, n]) => {
      const name = stage.startsWith("sink:") ? `${stage.slice(5)} sink` : stage;
      return `${name} ${fmt.format(n)}`;
    });
    return lines.length === 0 ? "0" : lines.join("\n");
  }

  /** A time series, or "n/a" over its chart when the figure is null (no stage reports it here). */
  function series(chart, figureId, ts, record) {
    $(figureId).dataset.na = String(record == null);
    if (record != null) chart.push(ts, record);
  }

  function render(s) {
    const stageFigures = [
      s.eventsPerSecond,
      s.consumerLag,
      s.watermarkDelaySeconds,
      s.counters.late,
      s.counters.deadLetters,
    ];
    $("stage-hint").hidden = !stageFigures.some((figure) => figure == null);
    setText(
      "events-rate",
      s.eventsPerSecond == null
        ? NA
        : fmt.format(Object.values(s.eventsPerSecond).reduce((a, b) => a + b, 0)),
    );
    setText("scored", fmt.format(s.scoredCustomers));
    setText("late", count(s.counters.late));
    setText("late-absorbed", count(s.counters.lateAbsorbed));
    setText("duplicates", count(s.counters.duplicates));
    setText("dlq", deadLetters(s.counters.deadLetters));
    setText("model", s.model.champion ?? "none");
    const psi = s.model.maxInputPsi;
    setText("drift", psi == null ? "–" : psi.value.toFixed(3));
    setText("drift-feature", psi?.feature ?? "");
    series(charts.events, "figure-events", s.ts, s.eventsPerSecond);
    series(charts.lag, "figure-lag", s.ts, s.consumerLag);
    series(charts.watermark, "figure-watermark", s.ts, s.watermarkDelaySeconds);
    charts.histogram.update(s.scoreHistogram);
    updateTable(s.topAtRisk);
    document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
  }

  const status = $("status");
  const RECONNECT_MS = 10_000;
  /** Opens the stream; reopens it later when the server refused it (EventSource gives up then). */
  function connect() {
    const source = new EventSource("/v1/dashboard/stream");
    source.addEventListener("open", () => {
      status.dataset.state = "live";
      status.textContent = "live";
    });
    source.addEventListener("error", () => {
      status.dataset.state = "down";
      if (source.readyState === EventSource.CLOSED) {
        // Refused (e.g. 503: serving.dashboard.maxStreams streams already open): retry later.
        status.textContent = `stream refused or lost, retrying in ${RECONNECT_MS / 1000} s…`;
        setTimeout(connect, RECONNECT_MS);
      } else {
        status.textContent = "disconnected, retrying…";
      }
    });
    source.addEventListener("problem", (e) => {
      status.dataset.state = "down";
      status.textContent = `backend problem: ${JSON.parse(e.data).message}`;
    });
    source.addEventListener("snapshot", (e) => {
      status.dataset.state = "live";
      status.textContent = `live · ${new Date().toLocaleTimeString()}`;
      render(JSON.parse(e.data));
    });
  }
  connect();
})();
