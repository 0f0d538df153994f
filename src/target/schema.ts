// JSON Schema (draft 2020-12) of a target description; types.ts is its TypeScript twin.
// Every object is closed (additionalProperties: false) so that a misspelt key is an error,
// not a silently ignored option.

const positiveInt = { type: "integer", minimum: 1 } as const;
const nonNegative = { type: "number", minimum: 0 } as const;
const rate = { type: "number", minimum: 0, maximum: 1 } as const;
const bitsOrModel = {
  oneOf: [{ type: "integer", minimum: 1, maximum: 16 }, { const: "model" }],
} as const;
const cited = {
  type: "object",
  additionalProperties: false,
  required: ["value", "source"],
  properties: { value: nonNegative, source: { type: "string", minLength: 1 } },
} as const;

/** Optional fields of a closed object: absent means their documented default (types.ts). */
const OPTIONAL_FIELDS = new Set(["stateRegister"]);

function withOptional<T extends { required: readonly string[] }>(schema: T): T {
  return { ...schema, required: schema.required.filter((k) => !OPTIONAL_FIELDS.has(k)) };
}

function closed<P extends Record<string, unknown>>(properties: P) {
  return {
    type: "object",
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  } as const;
}

export const TARGET_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://qs4dc.dev/schemas/target.json",
  title: "qs4dc target description",
  ...withOptional(
    closed({
      name: { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$" },
      description: { type: "string" },
      array: closed({
        rows: positiveInt,
        cols: positiveInt,
        count: { oneOf: [positiveInt, { type: "null" }] },
      }),
      cell: closed({
        type: { type: "string" },
        gMinUs: nonNegative,
        gMaxUs: { type: "number", exclusiveMinimum: 0 },
        levels: { oneOf: [{ type: "integer", minimum: 2, maximum: 65536 }, { const: "model" }] },
        writeVerifyTolerance: { type: "number", exclusiveMinimum: 0, maximum: 0.5 },
      }),
      encoding: { enum: ["row-polarity", "differential-columns"] },
      dac: closed({ bits: bitsOrModel }),
      adc: closed({ bits: bitsOrModel, perArray: positiveInt }),
      outputMode: { enum: ["lagged", "folded"] },
      outputColumns: { enum: [2, 4] },
      dPlacement: { enum: ["rows", "digital"] },
      dense: { enum: ["crossbar", "digital"] },
      bitSlicing: closed({ allowed: { type: "boolean" }, maxSlices: positiveInt }),
      digital: closed({
        format: { const: "float32" },
        wordBits: { const: 32 },
        clockMHz: { type: "number", exclusiveMinimum: 0 },
      }),
      fallbackBits: { type: "integer", minimum: 2, maximum: 16 },
      stateRegister: closed({
        residual: { type: "boolean" },
        maxBits: { type: "integer", minimum: 2, maximum: 30 },
      }),
      timing: closed({
        dacSettleNs: nonNegative,
        readNs: nonNegative,
        adcConversionNs: nonNegative,
        digitalOpNs: nonNegative,
        registerAccessNs: nonNegative,
      }),
      energy: closed({
        adcConversionPj: cited,
        dacConversionPj: cited,
        arrayReadPj: cited,
        digitalOpPj: cited,
        registerAccessPj: cited,
      }),
      noise: closed({
        programmingSigma: nonNegative,
        readSigma: nonNegative,
        stuckOnRate: rate,
        stuckOffRate: rate,
        adcOffsetLsb: nonNegative,
        dacOffsetLsb: nonNegative,
      }),
    }),
  ),
} as const;
