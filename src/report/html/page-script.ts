// The report page's only script: the zoomable view of one array. A click on a heatmap opens
// it on a canvas drawn without smoothing; the wheel zooms about the pointer, a drag pans, and
// hovering names the cell's row and column signals and its level (read back from the pixel's
// colour through the palette, which maps colours to levels one to one or in bins).
// Plain ES2020 in a string: the page carries it inline and loads nothing.

export const PAGE_SCRIPT = `(() => {
  "use strict";
  const scale = JSON.parse(document.getElementById("level-scale").textContent);
  const viewer = document.getElementById("viewer");
  const canvas = viewer.querySelector("canvas");
  const tip = viewer.querySelector(".tip");
  const title = viewer.querySelector(".viewer-title");
  const key = (r, g, b) => (r << 16) | (g << 8) | b;
  const indexOf = new Map(scale.palette.map((c, i) => [key(c[0], c[1], c[2]), i]));
  let view = null;

  function levelText(i) {
    if (i === undefined) return "";
    if (i === 0) return "outside every block";
    if (i === 1) return "level 0 (gMin)";
    const lo = Math.ceil(((i - 2) * scale.top) / scale.colours) + 1;
    const hi = Math.ceil(((i - 1) * scale.top) / scale.colours);
    return lo === hi ? "level " + lo : "levels " + lo + "-" + hi;
  }

  function bandAt(figure, axis, at) {
    for (const span of figure.querySelectorAll(".band." + axis)) {
      const start = Number(span.dataset.start);
      if (at >= start && at < start + Number(span.dataset.length)) return span.title;
    }
    return "no signal";
  }

  function draw() {
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(view.img, view.x, view.y, view.img.naturalWidth * view.zoom, view.img.naturalHeight * view.zoom);
  }

  function open(figure) {
    const img = figure.querySelector("img");
    const off = document.createElement("canvas");
    off.width = img.naturalWidth;
    off.height = img.naturalHeight;
    const octx = off.getContext("2d");
    octx.drawImage(img, 0, 0);
    viewer.hidden = false;
    canvas.width = canvas.clientWidth;
    canvas.height = canvas.clientHeight;
    const zoom = Math.min(canvas.width / img.naturalWidth, canvas.height / img.naturalHeight);
    view = {
      figure, img, zoom, drag: null,
      pixels: octx.getImageData(0, 0, off.width, off.height).data,
      x: (canvas.width - img.naturalWidth * zoom) / 2,
      y: (canvas.height - img.naturalHeight * zoom) / 2,
    };
    title.textContent = "array " + figure.dataset.array;
    draw();
  }

  function close() {
    viewer.hidden = true;
    view = null;
  }

  function pointer(e) {
    const rect = canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  canvas.addEventListener("wheel", (e) => {
    if (view === null) return;
    e.preventDefault();
    const [mx, my] = pointer(e);
    const f = e.deltaY < 0 ? 1.25 : 0.8;
    view.x = mx - (mx - view.x) * f;
    view.y = my - (my - view.y) * f;
    view.zoom *= f;
    draw();
  }, { passive: false });

  canvas.addEventListener("pointerdown", (e) => {
    if (view !== null) view.drag = pointer(e);
  });
  window.addEventListener("pointerup", () => {
    if (view !== null) view.drag = null;
  });
  canvas.addEventListener("pointermove", (e) => {
    if (view === null) return;
    const [mx, my] = pointer(e);
    if (view.drag !== null) {
      view.x += mx - view.drag[0];
      view.y += my - view.drag[1];
      view.drag = [mx, my];
      draw();
      return;
    }
    const c = Math.floor((mx - view.x) / view.zoom);
    const r = Math.floor((my - view.y) / view.zoom);
    const w = view.img.naturalWidth;
    if (r < 0 || c < 0 || r >= view.img.naturalHeight || c >= w) {
      tip.textContent = "";
      return;
    }
    const p = 4 * (r * w + c);
    const level = levelText(indexOf.get(key(view.pixels[p], view.pixels[p + 1], view.pixels[p + 2])));
    tip.textContent = "row " + r + " (" + bandAt(view.figure, "row", r) + "), column " + c + " (" + bandAt(view.figure, "col", c) + "): " + level;
  });

  viewer.querySelector("button").addEventListener("click", close);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });
  for (const figure of document.querySelectorAll("figure.heatmap"))
    figure.addEventListener("click", () => open(figure));
})();
`;
