// RoPE Lab's chart element (see ropelab/chart.py): one Plotly chart per mounted component, created once and updated
// in place with Plotly.react, plus an optional scrubber that switches between precomputed stops while it is dragged.
//
// Streamlit calls render() again with the same parentElement whenever the chart's data or the app's theme change,
// so everything that must survive an update lives in a per-parent instance record.

const instances = new WeakMap();
const DEFAULT_HEIGHT = 450; // plotly.js's own default figure height, for a figure that names none
let plotlyLoading = null;
let stylesLoaded = false;

// Colours from the theme (Streamlit sets these CSS variables on the component's container).
function readTheme(element) {
  const style = getComputedStyle(element);
  const value = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
  const background = value("--st-background-color", "#ffffff");
  return {
    text: value("--st-text-color", "#31333f"),
    background,
    border: value("--st-border-color", "rgba(49, 51, 63, 0.2)"),
    primary: value("--st-primary-color", "#0072b2"),
    font: value("--st-font", "sans-serif"),
    dark: luminance(background) < 0.4,
  };
}

function luminance(colour) {
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = colour;
  const hex = probe.fillStyle; // the browser normalises any CSS colour to #rrggbb (or rgba(...) with alpha)
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) {
    return 1;
  }
  const [r, g, b] = match.slice(1).map((part) => parseInt(part, 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function withAlpha(colour, alpha) {
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = colour;
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(probe.fillStyle);
  if (!match) {
    return colour;
  }
  const [r, g, b] = match.slice(1).map((part) => parseInt(part, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

// The look every chart shares, built from the theme so that a light/dark switch re-themes the same plot.
function template(theme) {
  const grid = withAlpha(theme.text, theme.dark ? 0.16 : 0.12);
  const axis = {
    gridcolor: grid,
    zerolinecolor: withAlpha(theme.text, 0.35),
    linecolor: withAlpha(theme.text, 0.35),
    tickcolor: withAlpha(theme.text, 0.35),
    automargin: true,
  };
  return {
    layout: {
      font: { family: theme.font, color: theme.text },
      paper_bgcolor: "rgba(0, 0, 0, 0)",
      plot_bgcolor: "rgba(0, 0, 0, 0)",
      xaxis: axis,
      yaxis: axis,
      polar: { bgcolor: "rgba(0, 0, 0, 0)", angularaxis: axis, radialaxis: axis },
      coloraxis: { colorbar: { outlinewidth: 0 } },
      hoverlabel: { font: { family: theme.font } },
      modebar: { bgcolor: "rgba(0, 0, 0, 0)", color: withAlpha(theme.text, 0.5), activecolor: theme.primary },
    },
  };
}

// Okabe–Ito's dark blue and black vanish on a dark background; the map from Python names their lighter partners.
function swapColours(figure, swaps) {
  const table = new Map(Object.entries(swaps).map(([from, to]) => [from.toLowerCase(), to]));
  const swap = (colour) => (typeof colour === "string" && table.has(colour.toLowerCase()) ? table.get(colour.toLowerCase()) : colour);
  const trace = (original) => {
    const changed = { ...original };
    for (const part of ["line", "marker"]) {
      const holder = original[part];
      if (holder === null || typeof holder !== "object") {
        continue;
      }
      const copy = { ...holder, color: swap(holder.color) };
      if (part === "marker" && holder.line && typeof holder.line === "object") {
        copy.line = { ...holder.line, color: swap(holder.line.color) };
      }
      changed[part] = copy;
    }
    return changed;
  };
  const layout = { ...figure.layout };
  if (Array.isArray(layout.colorway)) {
    layout.colorway = layout.colorway.map(swap);
  }
  return {
    ...figure,
    data: (figure.data || []).map(trace),
    frames: figure.frames ? figure.frames.map((frame) => ({ ...frame, data: (frame.data || []).map(trace) })) : undefined,
    layout,
    swapTrace: trace,
  };
}

function themed(figure, theme, swaps) {
  const result = theme.dark ? swapColours(figure, swaps) : { ...figure, swapTrace: (trace) => trace };
  // A constant uirevision tells Plotly.react to keep what the reader did (zoom, pan, hidden legend entries).
  result.layout = { uirevision: "reader", ...result.layout, template: template(theme) };
  return result;
}

function loadPlotly(url) {
  if (window.Plotly) {
    return Promise.resolve(window.Plotly);
  }
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js loaded but did not start")));
      script.onerror = () => {
        plotlyLoading = null; // let a later chart try again
        script.remove();
        reject(new Error(`could not load plotly.js from ${url}`));
      };
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

function loadStyles(url) {
  if (stylesLoaded) {
    return;
  }
  stylesLoaded = true;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = url;
  document.head.appendChild(link);
}

function createInstance(parent) {
  const root = document.createElement("div");
  root.className = "ropelab-chart";
  const plot = document.createElement("div");
  plot.className = "ropelab-chart__plot";
  plot.setAttribute("role", "img");
  const error = document.createElement("p");
  error.className = "ropelab-chart__error";
  error.setAttribute("role", "alert");
  error.hidden = true;
  root.append(plot, error);
  parent.appendChild(root);
  const instance = { root, plot, error, scrub: null, latest: null, drawing: false, drawn: null };
  // Plotly's own "responsive" option only listens to the window; the sidebar opening also changes the width.
  instance.resizer = new ResizeObserver(() => {
    // A chart that has left the page (or sits in a hidden tab) has nothing to resize; plotly.js would throw.
    if (!window.Plotly || !instance.drawn || !root.isConnected || root.offsetParent === null) {
      return;
    }
    const narrow = root.clientWidth > 0 && root.clientWidth < NARROW_WIDTH;
    if (narrow !== instance.narrow && instance.lastMessage) {
      // Crossing the phone width changes the panel arrangement, not just the size: draw the figure again.
      instance.latest = instance.lastMessage;
      draw(instance, instance.settings);
    } else {
      window.Plotly.Plots.resize(plot);
    }
  });
  instance.resizer.observe(root);
  return instance;
}

function showError(instance, error) {
  instance.error.textContent = `This chart could not be drawn: ${error && error.message ? error.message : error}. Reloading the page usually helps.`;
  instance.error.hidden = false;
  instance.plot.hidden = true;
  console.warn("RoPE Lab chart:", error);
}

function clearError(instance) {
  instance.error.hidden = true;
  instance.plot.hidden = false;
}

// ---- narrow screens ------------------------------------------------------------------------------------------

// Below this width (a phone held upright), side-by-side panels become too thin to read, so they are stacked.
const NARROW_WIDTH = 640;
const STACKED_PANEL_HEIGHT = 300;
// Room between stacked panels for the upper panel's tick labels and axis title and the lower one's title (px).
const STACK_GAP_PX = 110;

function near(a, b) {
  return Math.abs(a - b) < 0.02;
}

// A copy of a multi-panel figure with its panels one above the other, each as wide as the chart: the same axes,
// traces and subplot titles, new domains. A figure with a single column of panels comes back unchanged.
function stackPanels(figure) {
  const layout = figure.layout || {};
  const cells = [];
  for (const [name, axis] of Object.entries(layout)) {
    const match = /^xaxis(\d*)$/.exec(name);
    if (!match || !axis || !Array.isArray(axis.domain)) {
      continue;
    }
    const yName = axis.anchor && axis.anchor !== "free" ? `yaxis${axis.anchor.slice(1)}` : `yaxis${match[1]}`;
    const yAxis = layout[yName];
    if (!yAxis || !Array.isArray(yAxis.domain)) {
      continue;
    }
    cells.push({ kind: "axes", x: name, y: yName, xDomain: axis.domain, yDomain: yAxis.domain });
  }
  for (const [name, polar] of Object.entries(layout)) {
    if (/^polar\d*$/.test(name) && polar && polar.domain && Array.isArray(polar.domain.x)) {
      cells.push({ kind: "polar", name, xDomain: polar.domain.x, yDomain: polar.domain.y || [0, 1] });
    }
  }
  const columns = new Set(cells.map((cell) => cell.xDomain[0].toFixed(2)));
  if (cells.length < 2 || columns.size < 2) {
    return figure;
  }
  // Reading order: top row first, left to right.
  cells.sort((a, b) => b.yDomain[1] - a.yDomain[1] || a.xDomain[0] - b.xDomain[0]);
  const rows = cells.length;
  const plotHeight = rows * STACKED_PANEL_HEIGHT + (rows - 1) * STACK_GAP_PX;
  const slot = STACKED_PANEL_HEIGHT / plotHeight;
  const gap = STACK_GAP_PX / plotHeight;
  const stacked = { ...layout };
  const moved = [];
  cells.forEach((cell, index) => {
    const top = 1 - index * (slot + gap);
    const yDomain = [Math.max(0, top - slot), top];
    moved.push({ from: cell, yDomain });
    if (cell.kind === "axes") {
      stacked[cell.x] = { ...layout[cell.x], domain: [0, 1] };
      stacked[cell.y] = { ...layout[cell.y], domain: yDomain };
    } else {
      stacked[cell.name] = { ...layout[cell.name], domain: { x: [0, 1], y: yDomain } };
    }
  });
  // Subplot titles sit centred above their panel in paper coordinates: move each with its panel.
  stacked.annotations = (layout.annotations || []).map((note) => {
    if (note.xref !== "paper" || note.yref !== "paper") {
      return note;
    }
    const home = moved.find(({ from }) => near(note.x, (from.xDomain[0] + from.xDomain[1]) / 2) && near(note.y, from.yDomain[1]));
    return home ? { ...note, x: 0.5, y: home.yDomain[1] } : note;
  });
  const margin = layout.margin || {};
  const chrome = (margin.t === undefined ? 80 : margin.t) + (margin.b === undefined ? 80 : margin.b);
  stacked.height = Math.max(layout.height || 450, plotHeight + chrome);
  // A colour bar belongs beside its own panel, not beside the whole (now tall) figure.
  const data = (figure.data || []).map((trace) => {
    if (!trace.colorbar && !["heatmap", "contour", "surface"].includes(trace.type)) {
      return trace;
    }
    const yName = `yaxis${(trace.yaxis || "y").slice(1)}`;
    const home = moved.find(({ from }) => from.kind === "axes" && from.y === yName);
    if (!home) {
      return trace;
    }
    const colorbar = { ...(trace.colorbar || {}), y: (home.yDomain[0] + home.yDomain[1]) / 2, yanchor: "middle", len: slot };
    return { ...trace, colorbar };
  });
  // Shared colour scales (layout.coloraxis, coloraxis2 …) carry their own colour bar: put each beside the first
  // panel whose traces use it, upright, as a trace's own bar would be.
  for (const trace of figure.data || []) {
    const axisName = trace.coloraxis;
    const axis = axisName && stacked[axisName];
    if (!axis || axis.__moved) {
      continue;
    }
    const yName = `yaxis${(trace.yaxis || "y").slice(1)}`;
    const home = moved.find(({ from }) => from.kind === "axes" && from.y === yName);
    if (home) {
      const colorbar = { ...(axis.colorbar || {}), orientation: "v", x: 1.02, xanchor: "left",
        y: (home.yDomain[0] + home.yDomain[1]) / 2, yanchor: "middle", len: slot };
      stacked[axisName] = { ...axis, colorbar, __moved: true };
    }
  }
  for (const name of Object.keys(stacked)) {
    if (/^coloraxis\d*$/.test(name) && stacked[name] && stacked[name].__moved) {
      const { __moved, ...axis } = stacked[name];
      stacked[name] = axis;
    }
  }
  return { ...figure, data, layout: stacked };
}

// ---- scrubber ------------------------------------------------------------------------------------------------

function createScrubber(instance, setStateValue) {
  const bar = document.createElement("div");
  bar.className = "ropelab-chart__scrub";
  const play = document.createElement("button");
  play.type = "button";
  play.className = "ropelab-chart__play";
  const range = document.createElement("input");
  range.type = "range";
  range.min = "0";
  range.step = "1";
  range.className = "ropelab-chart__range";
  const output = document.createElement("output");
  output.className = "ropelab-chart__value";
  output.setAttribute("aria-hidden", "true"); // the range's aria-valuetext already speaks it
  bar.append(play, range, output);
  instance.root.insertBefore(bar, instance.error);

  const scrub = { bar, play, range, output, message: null, index: 0, dragging: false, timer: null, sendTimer: null };
  instance.scrub = scrub;

  const send = () => {
    clearTimeout(scrub.sendTimer);
    scrub.sendTimer = null;
    scrub.sent = scrub.index;
    setStateValue("stop", scrub.index);
  };
  const stopPlaying = () => {
    if (scrub.timer !== null) {
      clearInterval(scrub.timer);
      scrub.timer = null;
      updatePlayButton(scrub);
      send();
    }
  };
  range.addEventListener("input", () => {
    scrub.index = Number(range.value);
    showStop(instance, scrub.index);
  });
  range.addEventListener("pointerdown", () => {
    stopPlaying();
    scrub.dragging = true;
  });
  // "change" fires once when a drag ends, and on every key press: a short pause lets a reader hold an arrow key
  // without a server run per step, while a released drag goes back at once.
  range.addEventListener("change", () => {
    const wasDragging = scrub.dragging;
    scrub.dragging = false;
    clearTimeout(scrub.sendTimer);
    if (wasDragging) {
      send();
    } else {
      scrub.sendTimer = setTimeout(send, 250);
    }
  });
  range.addEventListener("pointerup", () => {
    scrub.dragging = false;
  });
  play.addEventListener("click", () => {
    if (scrub.timer !== null) {
      stopPlaying();
      return;
    }
    const last = scrub.message.labels.length - 1;
    if (scrub.index >= last) {
      scrub.index = 0;
    }
    scrub.timer = setInterval(() => {
      scrub.index = Math.min(scrub.index + 1, last);
      range.value = String(scrub.index);
      showStop(instance, scrub.index);
      if (scrub.index >= last) {
        stopPlaying();
      }
    }, scrub.message.playMs || 120);
    updatePlayButton(scrub);
  });
  return scrub;
}

function updatePlayButton(scrub) {
  const playing = scrub.timer !== null;
  scrub.play.textContent = playing ? "❚❚" : "▶";
  scrub.play.setAttribute("aria-label", playing ? `Pause ${scrub.message.label}` : `Play through ${scrub.message.label}`);
  scrub.play.setAttribute("aria-pressed", playing ? "true" : "false");
}

function updateScrubLabels(scrub) {
  const label = scrub.message.labels[scrub.index];
  scrub.range.setAttribute("aria-valuetext", label);
  scrub.output.textContent = label;
}

function frameFigure(instance, index) {
  const base = instance.drawn;
  const message = instance.scrub.message;
  const frame = message.frames[index] || {};
  const data = base.data.slice();
  message.traces.forEach((traceIndex, position) => {
    const patch = (frame.data || [])[position];
    if (patch) {
      data[traceIndex] = base.swapTrace({ ...base.source.data[traceIndex], ...patch });
    }
  });
  const layout = frame.layout ? mergeLayout(base.layout, frame.layout) : base.layout;
  return { data, layout };
}

function mergeLayout(layout, patch) {
  const merged = { ...layout };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    const nested = value && typeof value === "object" && !Array.isArray(value) && current && typeof current === "object" && !Array.isArray(current);
    merged[key] = nested ? mergeLayout(current, value) : value;
  }
  return merged;
}

// Several input events can arrive within one frame; only the last one is drawn.
function showStop(instance, index) {
  updateScrubLabels(instance.scrub);
  instance.wantedStop = index;
  if (instance.stopFrame) {
    return;
  }
  instance.stopFrame = requestAnimationFrame(() => {
    instance.stopFrame = null;
    if (!instance.drawn || instance.drawing) {
      return; // the running draw shows the wanted stop when it finishes
    }
    const { data, layout } = frameFigure(instance, instance.wantedStop);
    window.Plotly.react(instance.plot, { data, layout: ownCopy(layout), config: instance.drawn.config }).catch((error) =>
      showError(instance, error),
    );
  });
}

// ---- drawing ---------------------------------------------------------------------------------------------------

// plotly.js keeps the layout object it is given and edits it (a resize deletes its height, a zoom writes the axis
// range into it). The layouts kept here for the scrubber's frames must stay as the server sent them, so plotly.js
// always gets its own copy.
function ownCopy(layout) {
  return structuredClone(layout);
}

// A page's first draws take turns, with a paint between two of them: drawn in one go, a chapter showed none of its
// charts until the last one was done, so the chart at the top waited for all the charts below it.
let firstDrawChain = Promise.resolve();

function afterPaint() {
  // requestAnimationFrame runs just before a paint and a timeout after it; the second timer keeps a tab that the
  // browser does not paint (in the background) moving on.
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}

function firstDrawTurn() {
  let release;
  const finished = new Promise((resolve) => (release = resolve));
  const turn = firstDrawChain.then(() => release);
  firstDrawChain = firstDrawChain.then(() => finished).then(afterPaint);
  return turn;
}

async function draw(instance, settings) {
  if (instance.drawing) {
    return; // the loop below picks up instance.latest when the current draw is done
  }
  instance.drawing = true;
  let releaseTurn = null;
  try {
    const Plotly = await loadPlotly(settings.plotly);
    if (!instance.drawn) {
      releaseTurn = await firstDrawTurn();
    }
    while (instance.latest) {
      const { message, theme } = instance.latest;
      instance.latest = null;
      const narrow = instance.root.clientWidth > 0 && instance.root.clientWidth < NARROW_WIDTH;
      instance.narrow = narrow;
      const source = narrow ? stackPanels(message.figure) : message.figure;
      const figure = themed(source, theme, message.darkSwaps || {});
      const config = { responsive: true, ...message.config };
      instance.drawn = { data: figure.data, layout: figure.layout, config, swapTrace: figure.swapTrace, source };
      let shown = { data: figure.data, layout: figure.layout };
      const scrub = instance.scrub;
      if (scrub && scrub.message && (scrub.dragging || scrub.timer !== null || scrub.sendTimer !== null)) {
        // The reader is still moving the scrubber: keep their stop, not the one the server last knew.
        shown = frameFigure(instance, scrub.index);
      }
      // The div carries the figure's height itself: plotly.js's resize sizes a responsive plot from its div, and a
      // div without a height of its own would shrink the plot to a strip.
      instance.plot.style.height = `${shown.layout.height || DEFAULT_HEIGHT}px`;
      await Plotly.react(instance.plot, { data: shown.data, layout: ownCopy(shown.layout), config, frames: figure.frames });
      clearError(instance);
      if (releaseTurn) {
        releaseTurn();
        releaseTurn = null;
      }
    }
  } catch (error) {
    showError(instance, error);
  } finally {
    if (releaseTurn) {
      releaseTurn();
    }
    instance.drawing = false;
  }
}

function setScrubMessage(instance, message, setStateValue) {
  if (!message) {
    if (instance.scrub) {
      instance.scrub.bar.hidden = true;
      instance.scrub.message = null;
    }
    return;
  }
  const scrub = instance.scrub || createScrubber(instance, setStateValue);
  scrub.bar.hidden = false;
  scrub.message = message;
  scrub.range.max = String(message.labels.length - 1);
  scrub.range.setAttribute("aria-label", message.label);
  const busy = scrub.dragging || scrub.timer !== null || scrub.sendTimer !== null;
  if (!busy) {
    scrub.index = Math.min(message.index, message.labels.length - 1);
    scrub.range.value = String(scrub.index);
  }
  updatePlayButton(scrub);
  updateScrubLabels(scrub);
}

function decode(data) {
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
    return JSON.parse(new TextDecoder().decode(data));
  }
  return typeof data === "string" ? JSON.parse(data) : data;
}

function ownBytes(data) {
  // Streamlit may reuse the buffer a message arrived in; keep a copy to compare the next payload with.
  if (data instanceof Uint8Array) {
    return data.slice();
  }
  return data instanceof ArrayBuffer ? new Uint8Array(data.slice(0)) : data;
}

function sameBytes(kept, data) {
  if (kept === undefined || kept === null) {
    return false;
  }
  if (typeof kept === "string" || typeof data === "string") {
    return kept === data;
  }
  const next = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  if (!(next instanceof Uint8Array) || next.length !== kept.length) {
    return false;
  }
  for (let i = 0; i < next.length; i += 1) {
    if (next[i] !== kept[i]) {
      return false;
    }
  }
  return true;
}

export function render(component, settings) {
  const { parentElement, data, setStateValue } = component;
  loadStyles(settings.styles);
  let instance = instances.get(parentElement);
  if (!instance) {
    instance = createInstance(parentElement);
    instances.set(parentElement, instance);
  }
  try {
    const theme = readTheme(parentElement);
    const themeKey = JSON.stringify(theme);
    // A rerun sends every chart of the section (or page) again, most of them unchanged: the same bytes in the same
    // theme, after a draw that worked, need no decoding and no Plotly.react.
    const unchanged =
      instance.drawn && instance.error.hidden && themeKey === instance.themeKey && sameBytes(instance.bytes, data);
    if (!unchanged) {
      const message = decode(data);
      // The alt text belongs to the chart at once, not when plotly.js gets round to drawing it (a page's first draws
      // take turns, and a screen reader may reach the chart before its turn).
      instance.plot.setAttribute("aria-label", message.alt || "Chart");
      setScrubMessage(instance, message.scrub, setStateValue);
      instance.latest = { message, theme };
      instance.lastMessage = instance.latest;
      instance.settings = settings;
      instance.bytes = ownBytes(data);
      instance.themeKey = themeKey;
      draw(instance, settings);
    }
  } catch (error) {
    showError(instance, error);
  }
  const current = instance;
  return () => {
    // Streamlit runs a superseded render's cleanup at once, while the chart is still on the page; only a chart
    // that has really left the page (its element unmounted) is torn down.
    setTimeout(() => {
      if (!current.root.isConnected) {
        current.resizer.disconnect();
        if (current.scrub && current.scrub.timer !== null) {
          clearInterval(current.scrub.timer);
        }
        if (window.Plotly) {
          window.Plotly.purge(current.plot);
        }
        instances.delete(parentElement);
      }
    }, 0);
  };
}

// Start fetching plotly.js and the styles before the first chart arrives (the sidebar's share link calls this as
// soon as a page starts, so the download overlaps the page's first run).
export function preload(settings) {
  loadStyles(settings.styles);
  loadPlotly(settings.plotly).catch(() => {}); // a chart reports the failure where it would have been drawn
}

// Pure helpers, exported for tests/test_chart_element.py (run under Node).
export { mergeLayout, sameBytes, stackPanels, swapColours };
