// Tokens of the qs4d IR text form. The syntax is generic (nodes, attributes, tensor literals):
// what the nodes mean is decided in src/ir/text/, so new IR nodes never touch this file.

import { createToken, Lexer, type TokenType } from "chevrotain";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED });
export const Comment = createToken({
  name: "Comment",
  pattern: /\/\/[^\n\r]*/,
  group: Lexer.SKIPPED,
});

export const LBrace = createToken({ name: "LBrace", pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });

/** `#` and the hex digits of a SHA-256; any letters are lexed so a bad digest gets a clear error. */
export const Digest = createToken({
  name: "Digest",
  pattern: /#[0-9A-Za-z]*/,
  label: "digest '#<sha256 hex>'",
});

/** `@name`: a symbol such as a model or target name. */
export const AtName = createToken({
  name: "AtName",
  pattern: /@[A-Za-z0-9_][A-Za-z0-9_.-]*/,
  label: "'@name'",
});

/** Decimal numbers as JavaScript prints them (String(x)): -12, 0.5, 1e-7, 1.5e+21. */
export const NumberLit = createToken({
  name: "NumberLit",
  pattern: /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/,
  label: "number",
});

/**
 * A whole list of numbers, `[1, -0.5, 2e-3]`, as one token: tensors are mostly such rows and
 * lexing them whole keeps big models fast. Anything else in brackets (nested lists, comments,
 * words) falls back to '[' .. ']' token by token, with the same meaning.
 */
const NUMBER_TEXT = String.raw`(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?inf|nan)`;
export const NumberRow = createToken({
  name: "NumberRow",
  pattern: new RegExp(String.raw`\[\s*${NUMBER_TEXT}(?:\s*,\s*${NUMBER_TEXT})*\s*\]`),
  label: "'['",
});

/** Identifiers: letters, digits, `_`, inner `.` and `-` (kebab-case enum values, dotted keys). */
export const Ident = createToken({
  name: "Ident",
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*/,
  label: "identifier",
});

/** inf, -inf, nan: numbers that have no decimal form (an identifier when longer, e.g. `info`). */
export const SpecialFloat = createToken({
  name: "SpecialFloat",
  pattern: /-?inf|nan/,
  longer_alt: Ident,
  label: "number",
});

/** JSON string literals (raw control characters excluded, as JSON does). */
export const StringLit = createToken({
  name: "StringLit",
  // biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings
  pattern: /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/,
  label: "string",
});

/** Order matters: SpecialFloat before Ident (longer_alt hands `info` back to Ident). */
export const ALL_TOKENS: readonly TokenType[] = [
  WhiteSpace,
  Comment,
  LBrace,
  RBrace,
  LParen,
  RParen,
  NumberRow,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Equals,
  Digest,
  AtName,
  SpecialFloat,
  NumberLit,
  Ident,
  StringLit,
];

let lexer: Lexer | undefined;

/**
 * The one lexer, built on first use like irParser(): building it analyses every token's
 * pattern, work a command that reads no IR text (a compile of an .onnx) should not pay at
 * start-up.
 */
export function irLexer(): Lexer {
  lexer ??= new Lexer([...ALL_TOKENS], { ensureOptimizations: false, positionTracking: "full" });
  return lexer;
}
