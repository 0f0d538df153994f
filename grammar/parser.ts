// The chevrotain grammar of the IR text form (see tree.ts for the grammar in EBNF).
// Error recovery is off: the first error is reported with its position and what was expected.

import {
  CstParser,
  EOF,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
  tokenLabel,
} from "chevrotain";
import {
  ALL_TOKENS,
  AtName,
  Colon,
  Comma,
  Digest,
  Equals,
  Ident,
  LBrace,
  LBracket,
  LParen,
  NumberLit,
  NumberRow,
  RBrace,
  RBracket,
  RParen,
  SpecialFloat,
  StringLit,
} from "./tokens.js";

function describe(token: IToken | undefined): string {
  if (token === undefined || token.tokenType === EOF) return "end of input";
  return `'${token.image}'`;
}

/** What the parser was after, by rule, for "expected ..." messages that read naturally. */
const RULE_GOALS: Readonly<Record<string, string>> = {
  document: "a node",
  node: "'(' or '{' after the node's head",
  label: "a label",
  attr: "an attribute key",
  value: "a value (number, identifier, string, #digest or [list])",
  list: "a list '[..]'",
  block: "a tensor, an attribute or a node",
  item: "a tensor ('name: dtype[shape] ...'), an attribute ('key = value') or a node",
  tensor: "'#digest' or '= [values]' after the tensor's type",
  shape: "a shape such as [2,3] or []",
};

function firstTokens(paths: readonly (readonly TokenType[])[]): string[] {
  const names = new Set<string>();
  for (const path of paths) {
    const first = path[0];
    if (first !== undefined) names.add(tokenLabel(first));
  }
  return [...names];
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${tokenLabel(expected)} but found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a node or end of input but found ${describe(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const goal = RULE_GOALS[ruleName];
    const options = firstTokens(expectedPathsPerAlt.flat());
    const wanted = goal ?? `one of ${options.join(", ")}`;
    return `expected ${wanted} but found ${describe(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const goal = RULE_GOALS[ruleName] ?? `one of ${firstTokens(expectedIterationPaths).join(", ")}`;
    return `expected ${goal} but found ${describe(actual[0])}`;
  },
};

export class IrCstParser extends CstParser {
  constructor() {
    super([...ALL_TOKENS], { maxLookahead: 2, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  readonly document = this.RULE("document", () => {
    this.MANY(() => this.SUBRULE(this.node));
  });

  readonly node = this.RULE("node", () => {
    this.CONSUME(Ident, { LABEL: "keyword" });
    this.MANY(() => this.SUBRULE(this.label));
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.attrList);
          this.OPTION(() => this.SUBRULE(this.block));
        },
      },
      { ALT: () => this.SUBRULE2(this.block) },
    ]);
  });

  readonly label = this.RULE("label", () => {
    this.OR([
      { ALT: () => this.CONSUME(AtName) },
      { ALT: () => this.CONSUME(Ident) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(StringLit) },
    ]);
  });

  readonly attrList = this.RULE("attrList", () => {
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.attr) });
    this.CONSUME(RParen);
  });

  readonly attr = this.RULE("attr", () => {
    this.OR([
      { ALT: () => this.CONSUME(Ident, { LABEL: "key" }) },
      { ALT: () => this.CONSUME(StringLit, { LABEL: "key" }) },
    ]);
    this.CONSUME(Equals);
    this.SUBRULE(this.value);
  });

  readonly value = this.RULE("value", () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(SpecialFloat) },
      { ALT: () => this.CONSUME(Ident) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(Digest) },
      { ALT: () => this.SUBRULE(this.list) },
    ]);
  });

  readonly list = this.RULE("list", () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberRow) },
      {
        ALT: () => {
          this.CONSUME(LBracket);
          this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.value) });
          this.CONSUME(RBracket);
        },
      },
    ]);
  });

  readonly block = this.RULE("block", () => {
    this.CONSUME(LBrace);
    this.MANY(() => this.SUBRULE(this.item));
    this.CONSUME(RBrace);
  });

  readonly item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.tensor) },
      { ALT: () => this.SUBRULE(this.attr) },
      { ALT: () => this.SUBRULE(this.node) },
    ]);
  });

  readonly tensor = this.RULE("tensor", () => {
    this.CONSUME(Ident, { LABEL: "name" });
    this.CONSUME(Colon);
    this.CONSUME2(Ident, { LABEL: "dtype" });
    this.SUBRULE(this.shape);
    this.OR([
      { ALT: () => this.CONSUME(Digest) },
      {
        ALT: () => {
          this.CONSUME(Equals);
          this.SUBRULE(this.list);
        },
      },
    ]);
  });

  /** `[2,3]` lexes as one NumberRow; `[]` (a scalar) as two brackets. */
  readonly shape = this.RULE("shape", () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberRow) },
      {
        ALT: () => {
          this.CONSUME(LBracket);
          this.CONSUME(RBracket);
        },
      },
    ]);
  });
}

let instance: IrCstParser | undefined;

/**
 * One parser instance: chevrotain parsers are reusable via `input =` and costly to build (a
 * few hundred milliseconds of grammar analysis), so it is built on first use, not on import:
 * a command that reads no IR text does not pay for it.
 */
export function irParser(): IrCstParser {
  instance ??= new IrCstParser();
  return instance;
}
