// Quoting for the two languages the renderer writes words into: POSIX shell and systemd command
// lines.

/** A word for a shell script or an env file sourced by bash: single-quoted unless plainly safe. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** An environment-variable reference systemd expands as exactly one word ("${NAME}"). */
export interface EnvRef {
  env: string;
}

export type CommandWord = string | EnvRef;

/**
 * One word of a systemd Exec= line. `%` and `$` are escaped so that nothing from the plan is taken
 * for a specifier
 * or a variable; an EnvRef becomes `${NAME}`, which systemd replaces by the variable's value as one
 * word.
 */
export function systemdWord(word: CommandWord): string {
  if (typeof word !== "string") return `\${${word.env}}`;
  const escaped = word.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (escaped.length > 0 && /^[A-Za-z0-9_@%+=:,./$-]+$/.test(escaped)) return escaped;
  if (!/['\\\n]/.test(escaped)) return `'${escaped}'`;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

export function systemdCommand(words: CommandWord[]): string {
  return words.map(systemdWord).join(" ");
}
