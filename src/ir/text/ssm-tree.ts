// The SSM of a layer: `ssm continuous|discrete|kernel (channels = H, modes = M,
// discretization = zoh[, split_fraction = F]) { tensors of the form, d, quant ROLE .. }`. Complex tensors are pairs
// of real ones named _re and _im; a missing b_re/b_im means B = 1.

import type { BodyItem, TreeNode } from "../../../grammar/index.js";
import {
  type Quantizer,
  type ResidualUpdate,
  SSM_ROLES,
  type Ssm,
  type SsmForm,
  type SsmRole,
} from "../model.js";
import type { Tensor } from "../tensor.js";
import { attr, label, node, value } from "./build.js";
import { quantsFromTree, quantToTree } from "./quant-tree.js";
import type { NodeReader } from "./reader.js";
import { type Field, recordAttrs, recordFromReader, recordTensors } from "./record-tree.js";
import { type TensorMode, tensorToLit } from "./tensor-tree.js";

/** Tensor names of each form, in print order, with the IR field each one fills. */
const FORM_TENSORS = {
  continuous: [
    ["log_dt", "logDt"],
    ["a_re", "aRe"],
    ["a_im", "aIm"],
    ["b_re", "bRe"],
    ["b_im", "bIm"],
    ["c_re", "cRe"],
    ["c_im", "cIm"],
  ],
  discrete: [
    ["lambda_re", "lambdaRe"],
    ["lambda_im", "lambdaIm"],
    ["bbar_re", "bbarRe"],
    ["bbar_im", "bbarIm"],
    ["c_re", "cRe"],
    ["c_im", "cIm"],
  ],
  kernel: [["k", "k"]],
} as const;

/** The only tensors a form may omit (B = 1 when absent). */
const OPTIONAL = new Set(["b_re", "b_im"]);

const FORMS = ["continuous", "discrete", "kernel"] as const;

/** `residual { delta, delta_scale, bbar, bbar_scale, shift }`: the residual state update. */
const RESIDUAL: readonly Field[] = [
  { key: "delta", kind: "tensor" },
  { key: "deltaScale", kind: "tensor" },
  { key: "bbar", kind: "tensor" },
  { key: "bbarScale", kind: "tensor" },
  { key: "shift", kind: "tensor" },
  { key: "limit", kind: "int" },
];

/** Roles print in snake_case like the tensor names: logDt -> log_dt. */
function roleText(role: SsmRole): string {
  return role.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const ROLE_BY_TEXT = new Map(SSM_ROLES.map((r) => [roleText(r), r]));

export function ssmToTree(ssm: Ssm, mode: TensorMode): TreeNode {
  const form = ssm.form;
  const fields = form as unknown as Readonly<Record<string, Tensor | null>>;
  const body: BodyItem[] = [];
  for (const [name, field] of FORM_TENSORS[form.kind]) {
    const t = fields[field];
    if (t !== null && t !== undefined) body.push(tensorToLit(name, t, mode));
  }
  body.push(tensorToLit("d", ssm.d, mode));
  for (const role of SSM_ROLES) {
    const q = ssm.quant[role];
    if (q !== undefined) body.push(quantToTree(roleText(role), q, mode));
  }
  if (ssm.residual !== undefined)
    body.push(
      node(
        "residual",
        [],
        recordAttrs(ssm.residual, RESIDUAL),
        recordTensors(ssm.residual, RESIDUAL, mode),
      ),
    );
  const attrs = [
    attr("channels", value.int(ssm.channels)),
    attr("modes", value.int(ssm.modes)),
    attr("discretization", value.word(ssm.discretization)),
    ...(ssm.splitFraction === undefined
      ? []
      : [attr("split_fraction", value.int(ssm.splitFraction))]),
  ];
  return node("ssm", [label.word(form.kind)], attrs, body);
}

function formFromReader(r: NodeReader, kind: SsmForm["kind"]): SsmForm {
  const form: Record<string, unknown> = { kind };
  for (const [name, field] of FORM_TENSORS[kind]) {
    form[field] = OPTIONAL.has(name) ? r.optionalTensor(name) : r.tensor(name);
  }
  return form as unknown as SsmForm;
}

export function ssmFromReader(r: NodeReader): Ssm {
  r.labels(1, "the SSM form (continuous, discrete or kernel)");
  const kind = r.wordLabel(0, FORMS);
  const quants = quantsFromTree(r, [...ROLE_BY_TEXT.keys()]);
  const quant: Partial<Record<SsmRole, Quantizer>> = {};
  for (const [text, q] of quants) quant[ROLE_BY_TEXT.get(text)!] = q;
  const ssm: Ssm = {
    channels: r.int("channels"),
    modes: r.int("modes"),
    discretization: r.word("discretization", ["zoh", "bilinear"] as const),
    form: formFromReader(r, kind),
    d: r.tensor("d"),
    quant,
    ...(r.hasAttr("split_fraction") ? { splitFraction: r.int("split_fraction") } : {}),
  };
  const residual = r.optionalChild("residual");
  r.finish();
  if (residual === null) return ssm;
  const rr = r.enter(residual, "residual");
  rr.labels(0, "no label");
  const update = recordFromReader(rr, RESIDUAL) as unknown as ResidualUpdate;
  rr.finish();
  return { ...ssm, residual: update };
}
