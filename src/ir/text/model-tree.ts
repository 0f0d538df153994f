// The whole model:
//   model @NAME (quant_scheme = none, pooling = mean) {
//     config (d_in = 1, channels = 32, state = 16, classes = 10, length = 64)
//     meta { "key" = "value" .. }
//     encoder (in = 1, out = 32) { .. }
//     layer 0 (..) { .. } ..
//     decoder (in = 32, out = 10) { .. }
//     hardware { .. }
//   }

import type { BodyItem, TreeNode } from "../../../grammar/index.js";
import type { Model, ModelConfig, QuantScheme } from "../model.js";
import { attr, label, node, value } from "./build.js";
import { hardwareFromReader, hardwareToTree } from "./hardware-tree.js";
import { layerFromReader, layerToTree } from "./layer-tree.js";
import { linearAttrs, linearBody, linearFromReader } from "./linear-tree.js";
import type { NodeReader } from "./reader.js";
import type { TensorMode } from "./tensor-tree.js";

const QUANT_SCHEMES: readonly QuantScheme[] = [
  "none",
  "qs4d-max",
  "qs4d-symmetric-v1",
  "qdq",
  "grid",
];

function configToTree(c: ModelConfig): TreeNode {
  const attrs = [
    attr("d_in", value.int(c.dIn)),
    attr("channels", value.int(c.channels)),
    attr("state", value.int(c.state)),
    attr("classes", value.int(c.classes)),
    attr("length", value.intOrNull(c.length)),
  ];
  return node("config", [], attrs, null);
}

function configFromReader(r: NodeReader): ModelConfig {
  r.labels(0, "no label");
  const config: ModelConfig = {
    dIn: r.int("d_in"),
    channels: r.int("channels"),
    state: r.int("state"),
    classes: r.int("classes"),
    length: r.intOrNull("length"),
  };
  r.finish();
  return config;
}

function metaToTree(meta: Readonly<Record<string, string>>): TreeNode {
  const keys = Object.keys(meta).sort();
  return node(
    "meta",
    [],
    [],
    keys.map((k) => attr(k, value.string(meta[k]!))),
  );
}

function metaFromReader(r: NodeReader): Record<string, string> {
  r.labels(0, "no label");
  const meta = Object.fromEntries(r.stringEntries());
  r.finish();
  return meta;
}

export function modelToTree(model: Model, mode: TensorMode): TreeNode {
  const body: BodyItem[] = [configToTree(model.config)];
  if (Object.keys(model.meta).length > 0) body.push(metaToTree(model.meta));
  body.push(node("encoder", [], linearAttrs(model.encoder), linearBody(model.encoder, mode)));
  model.layers.forEach((layer, i) => {
    body.push(layerToTree(layer, i, mode));
  });
  body.push(node("decoder", [], linearAttrs(model.decoder), linearBody(model.decoder, mode)));
  if (model.hardware !== null) body.push(hardwareToTree(model.hardware, mode));
  const attrs = [
    attr("quant_scheme", value.word(model.quantScheme)),
    attr("pooling", value.word(model.pooling)),
  ];
  return node("model", [label.symbol(model.name)], attrs, body);
}

function linearNode(r: NodeReader, keyword: string) {
  const c = r.enter(r.child(keyword), keyword);
  c.labels(0, "no label");
  const linear = linearFromReader(c);
  c.finish();
  return linear;
}

export function modelFromReader(r: NodeReader): Model {
  r.labels(1, "the model's name ('@name' or a string)");
  const meta = r.optionalChild("meta");
  const hardware = r.optionalChild("hardware");
  const model: Model = {
    name: r.nameLabel(0),
    quantScheme: r.word("quant_scheme", QUANT_SCHEMES),
    pooling: r.word("pooling", ["mean"] as const),
    config: configFromReader(r.enter(r.child("config"), "config")),
    meta: meta === null ? {} : metaFromReader(r.enter(meta, "meta")),
    encoder: linearNode(r, "encoder"),
    layers: r.children("layer").map((l, i) => layerFromReader(r.enter(l, `layer ${i}`), i)),
    decoder: linearNode(r, "decoder"),
    hardware: hardware === null ? null : hardwareFromReader(r.enter(hardware, "hardware")),
  };
  r.finish();
  return model;
}
