// The layer map of docs/architecture.md ("Allowed dependencies"), enforced: every import of
// every src/**/*.ts (`import ... from`, `export ... from`, `import("...")`, type-only ones
// included) that leaves its folder must be one the table allows. The table is read from the
// document, so the document and the test cannot drift apart. Synthetic sources and edges show
// that the check can fail.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "../..");
const DOC = join(ROOT, "docs/architecture.md");
const BEGIN = "<!-- allowed-dependencies: begin";
const END = "<!-- allowed-dependencies: end -->";
/** Folders at the root that src/ may import (data and the grammar package): never rows. */
const OUTSIDE_SRC = new Set(["grammar", "schemas"]);

/** folder -> the folders it may import, in the order of the table's rows. */
type Table = Map<string, ReadonlySet<string>>;

function parseTable(markdown: string): Table {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`no allowed-dependencies table in ${DOC}`);
  const table: Table = new Map();
  for (const line of markdown.slice(start, end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    // | `folder` | `a`, `b` |  ->  ["", "`folder`", "`a`, `b`", ""]
    if (cells.length !== 4 || !/^`[\w-]+`$/.test(cells[1]!)) continue;
    const folder = cells[1]!.slice(1, -1);
    if (table.has(folder)) throw new Error(`folder '${folder}' has two rows`);
    const allowed = [...cells[2]!.matchAll(/`([\w-]+)`/g)].map((m) => m[1]!);
    table.set(folder, new Set(allowed));
  }
  return table;
}

/** The folder of a path relative to the repository root: `src/a/b.ts` -> `a`, `src/api.ts` -> `api`. */
function unitOf(path: string): string {
  const parts = path.split("/");
  if (parts[0] !== "src") return parts[0]!;
  return parts.length === 2 ? parts[1]!.replace(/(\.d)?\.[cm]?[jt]s$/, "") : parts[1]!;
}

/** The relative module specifiers a source imports or re-exports, dynamic imports included. */
function specifiersOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith("."));
}

interface Edge {
  /** The importing file, relative to the repository root. */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
}

function edgesOf(file: string, source: string): Edge[] {
  return specifiersOf(source).map((specifier) => ({ file, specifier }));
}

/** One line per import the table does not allow. */
function violations(table: Table, edges: readonly Edge[]): string[] {
  const out: string[] = [];
  for (const { file, specifier } of edges) {
    const from = unitOf(file);
    const target = relative(ROOT, resolve(ROOT, dirname(file), specifier));
    const to = unitOf(target);
    if (from === to) continue;
    const allowed = table.get(from);
    if (allowed === undefined) {
      out.push(`${file}: folder '${from}' has no row in the allowed-dependencies table`);
    } else if (!allowed.has(to)) {
      out.push(`${file} imports "${specifier}" (${from} -> ${to}), which the table does not allow`);
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}

const table = parseTable(readFileSync(DOC, "utf8"));
const files = sourceFiles(join(ROOT, "src")).map((f) => relative(ROOT, f));
const edges = files.flatMap((f) => edgesOf(f, readFileSync(join(ROOT, f), "utf8")));

describe("the import graph of src/ (docs/architecture.md, allowed dependencies)", () => {
  it("reads the table", () => {
    expect(table.size).toBeGreaterThan(10);
    expect(table.get("sim")).toBeDefined();
    expect(edges.length).toBeGreaterThan(100);
  });

  it("has a row for every folder of src/, and no row for a folder that is not there", () => {
    const units = new Set(files.map(unitOf));
    expect([...units].filter((u) => !table.has(u)).sort()).toEqual([]);
    expect([...table.keys()].filter((u) => !units.has(u)).sort()).toEqual([]);
  });

  it("is a layering: each row allows only rows above it (or grammar/, schemas/), so no cycle", () => {
    const above = new Set<string>();
    const wrong: string[] = [];
    for (const [folder, allowed] of table) {
      for (const to of allowed) {
        if (!above.has(to) && !OUTSIDE_SRC.has(to)) wrong.push(`${folder} -> ${to}`);
      }
      above.add(folder);
    }
    expect(wrong).toEqual([]);
  });

  it("every import of every src/**/*.ts is one the table allows", () => {
    expect(violations(table, edges)).toEqual([]);
  });

  it("the simulator imports nothing from ir, arith, passes, emulate or run", () => {
    const sim = table.get("sim")!;
    for (const forbidden of ["ir", "arith", "passes", "emulate", "run"]) {
      expect(sim.has(forbidden)).toBe(false);
    }
  });
});

describe("the check can fail", () => {
  it("finds every form of import: static, type-only, side effect, re-export, dynamic", () => {
    const source = [
      'import a from "../x/a.js";',
      'import type { B } from "../y/b.js";',
      'import "../u/f.js";',
      "import {\n  c,\n  type D,\n} from '../t/c.js';",
      'export * from "../z/c.js";',
      'export { d } from "../w/d.js";',
      'export type { E } from "../s/e.js";',
      'const m = await import("../v/e.js");',
      'import { readFileSync } from "node:fs";',
      'import { Command } from "commander";',
      '// import { not } from "../comment/x.js";',
      "const text = \"import { notEither } from '../string/x.js'\";",
    ].join("\n");
    expect(specifiersOf(source).sort()).toEqual(
      [
        "../x/a.js",
        "../y/b.js",
        "../u/f.js",
        "../t/c.js",
        "../z/c.js",
        "../w/d.js",
        "../s/e.js",
        "../v/e.js",
      ].sort(),
    );
  });

  it("names a synthetic edge the table does not allow (the simulator importing the emulator)", () => {
    const bad = [{ file: "src/sim/periphery.ts", specifier: "../emulate/index.js" }];
    expect(violations(table, bad)).toEqual([
      'src/sim/periphery.ts imports "../emulate/index.js" (sim -> emulate), which the table does not allow',
    ]);
  });

  it("names each violating import of a synthetic source, dynamic ones too", () => {
    const source = [
      'import { fail } from "../diag/error.js";',
      'import type { Model } from "../ir/model.js";',
      'import { roundHalfEven } from "../arith/numeric.js";',
      'import { erf } from "../util/erf.js";',
      'const run = await import("../run/index.js");',
      'export { emulate } from "../emulate/index.js";',
    ].join("\n");
    expect(violations(table, edgesOf("src/sim/fake.ts", source))).toEqual([
      'src/sim/fake.ts imports "../ir/model.js" (sim -> ir), which the table does not allow',
      'src/sim/fake.ts imports "../arith/numeric.js" (sim -> arith), which the table does not allow',
      'src/sim/fake.ts imports "../run/index.js" (sim -> run), which the table does not allow',
      'src/sim/fake.ts imports "../emulate/index.js" (sim -> emulate), which the table does not allow',
    ]);
  });

  it("refuses the cycles that were removed: api -> cli, target -> emit, emit -> driver", () => {
    const bad = [
      { file: "src/api.ts", specifier: "./cli/lowering-options.js" },
      { file: "src/target/load.ts", specifier: "../emit/canonical-json.js" },
      { file: "src/emit/chip-write.ts", specifier: "../driver/artifact.js" },
      { file: "src/passes/lib/predict.ts", specifier: "../../emulate/index.js" },
    ];
    expect(violations(table, bad).map((v) => v.split(" (")[1]!.split(")")[0])).toEqual([
      "api -> cli",
      "target -> emit",
      "emit -> driver",
      "passes -> emulate",
    ]);
  });

  it("names a folder with no row", () => {
    const bad = [{ file: "src/newfolder/x.ts", specifier: "../diag/error.js" }];
    expect(violations(table, bad)).toEqual([
      "src/newfolder/x.ts: folder 'newfolder' has no row in the allowed-dependencies table",
    ]);
  });

  it("refuses an edge that a table without it does not allow, and allows it once listed", () => {
    const edge = [{ file: "src/report/build.ts", specifier: "../sim/report.js" }];
    expect(violations(table, edge)).toHaveLength(1);
    const widened: Table = new Map(table);
    widened.set("report", new Set([...table.get("report")!, "sim"]));
    expect(violations(widened, edge)).toEqual([]);
  });
});
