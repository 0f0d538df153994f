// The report page's style sheet, inline in the page.

export const PAGE_STYLE = `
:root { font-family: system-ui, sans-serif; color: #222; background: #fff; }
body { margin: 0; }
header { position: sticky; top: 0; background: #f4f6f8; border-bottom: 1px solid #ccd; padding: 6px 16px; z-index: 2; }
header h1 { font-size: 18px; margin: 0 0 2px; }
nav { font-size: 13px; }
main { padding: 8px 16px 32px; }
h2 { font-size: 16px; border-bottom: 1px solid #ccd; padding-bottom: 2px; margin-top: 28px; }
p, li { font-size: 13px; max-width: 70em; }
.note { color: #667; font-size: 12px; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #d5d8dc; padding: 2px 6px; text-align: right; }
th { background: #eef1f4; }
td:first-child, th:first-child { text-align: left; }
table.overview td { text-align: left; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
svg.plot { background: #fcfcfd; border: 1px solid #e3e6ea; }
svg.plot .title { font-size: 13px; font-weight: 600; }
svg.plot .axis-label { font-size: 11px; }
svg.plot .tick, svg.plot .legend text { font-size: 10px; fill: #444; }
svg.plot .axis { stroke: #555; fill: none; }
svg.plot .grid { stroke: #e6e8eb; }
svg.plot .ref { stroke: #d62728; stroke-dasharray: 4 3; }
svg.plot .line { fill: none; stroke-width: 1.6; }
svg.plot .err { stroke-width: 1.2; }
.legend-levels { font-size: 12px; display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #aaa; }
.heatmaps { display: flex; flex-wrap: wrap; gap: 10px; }
figure.heatmap { width: 190px; margin: 0; cursor: zoom-in; }
figure.heatmap figcaption { font-size: 11px; line-height: 1.25; overflow-wrap: anywhere; }
.pruned { color: #b03030; }
.hm-grid { display: grid; grid-template-columns: 34px 1fr; grid-template-rows: 14px auto; }
.hm-grid .cols { grid-column: 2; grid-row: 1; position: relative; }
.hm-grid .rows { grid-column: 1; grid-row: 2; position: relative; }
.hm-grid .cells { grid-column: 2; grid-row: 2; position: relative; aspect-ratio: var(--aspect); border: 1px solid #bbb; }
.cells img { width: 100%; height: 100%; display: block; image-rendering: pixelated; }
.block { position: absolute; outline: 1px dashed #d62728; pointer-events: none; }
.band { position: absolute; overflow: hidden; font-size: 9px; line-height: 1; color: #333; white-space: nowrap; }
.band.row { right: 2px; left: 0; border-right: 3px solid; text-align: right; padding-right: 2px; display: flex; align-items: center; justify-content: flex-end; }
.band.col { bottom: 1px; top: 0; border-bottom: 3px solid; text-align: center; }
.band.role-u { border-color: #1f77b4; } .band.role-ut1 { border-color: #17becf; }
.band.role-xt1, .band.role-xt { border-color: #9467bd; } .band.role-y { border-color: #ff7f0e; }
.band.role-in, .band.role-out { border-color: #2ca02c; }
.band.narrow { font-size: 0; }
#viewer { position: fixed; inset: 4vh 4vw; background: #fff; border: 1px solid #889; box-shadow: 0 4px 24px #0004; z-index: 5; display: flex; flex-direction: column; }
#viewer[hidden] { display: none; }
.viewer-bar { display: flex; gap: 16px; align-items: center; padding: 4px 8px; font-size: 12px; background: #f4f6f8; }
.viewer-bar .tip { flex: 1; font-family: ui-monospace, monospace; }
#viewer canvas { flex: 1; width: 100%; min-height: 0; cursor: crosshair; }
`;
