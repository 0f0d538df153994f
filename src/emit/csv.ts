// Programming lists for lab tools (docs/chip-format.md §12): one CSV per array with one line per
// programmed cell, in row-major order, plus arrays.csv describing the arrays. Cells that are not
// listed stay at level 0 (gMin). Numbers are plain decimals that read back exactly.

import type { ChipArray, ChipImage } from "./chip-image.js";
import { float32Text } from "./numbers.js";

export const CELL_HEADER = "array,row,column,level,target_uS,tolerance_uS";
export const ARRAYS_HEADER =
  "array,name,rows,columns,cells_programmed,levels,g_min_uS,g_max_uS,tolerance_uS,file";

/** File name of array k's list, zero-padded so that listings sort in array order. */
export function cellListName(k: number, arrays: number): string {
  return `array-${String(k).padStart(String(Math.max(arrays - 1, 0)).length, "0")}.csv`;
}

/** Write-verify band in µS: +- the target's fraction of one level spacing. */
export function toleranceUs(image: ChipImage): number {
  const p = image.target.params;
  return (p.writeVerifyTolerance * (p.gMaxUs - p.gMinUs)) / (p.levels - 1);
}

export function chipToCsv(image: ChipImage): Map<string, string> {
  const tolerance = String(toleranceUs(image));
  const files = new Map<string, string>();
  files.set("arrays.csv", arraysCsv(image, tolerance));
  image.arrays.forEach((a, k) => {
    files.set(cellListName(k, image.arrays.length), cellsCsv(a, k, tolerance));
  });
  return files;
}

function arraysCsv(image: ChipImage, tolerance: string): string {
  const p = image.target.params;
  const lines = image.arrays.map((a, k) =>
    [
      k,
      csvField(a.name),
      a.rows,
      a.cols,
      a.cells,
      p.levels,
      String(p.gMinUs),
      String(p.gMaxUs),
      tolerance,
      cellListName(k, image.arrays.length),
    ].join(","),
  );
  return [ARRAYS_HEADER, ...lines, ""].join("\n");
}

function cellsCsv(a: ChipArray, k: number, tolerance: string): string {
  const lines = new Array<string>(a.cells + 2);
  lines[0] = CELL_HEADER;
  for (let i = 0; i < a.cells; i++) {
    const g = float32Text(a.cell.conductanceUs[i]!);
    lines[i + 1] = `${k},${a.cell.row[i]},${a.cell.col[i]},${a.cell.level[i]},${g},${tolerance}`;
  }
  lines[a.cells + 1] = "";
  return lines.join("\n");
}

/** RFC 4180: quote a field holding a comma, quote or line break; double inner quotes. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
