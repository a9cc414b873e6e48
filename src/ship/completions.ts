/**
 * Shell completion scripts for bash, zsh and fish, generated from the command specs: every
 * command path, every visible option (with the global ones), and file or directory completion for
 * options whose value is a path.
 *
 * @module
 */

import { type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from "../cli/spec.ts";

/** The shells with a completion script. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@linkcode SHELLS}. */
export type Shell = typeof SHELLS[number];

/** Options for {@linkcode renderCompletions}. */
export interface CompletionOptions {
  /** The program name to complete (default `tmux-orc`). */
  program?: string;
  /** Fixed choices for a command's positional argument, keyed by command path (`"completions"`). */
  argumentChoices?: Record<string, readonly string[]>;
}

/** One option as the scripts need it. */
interface FlatOption {
  long: string;
  short?: string;
  takesValue: boolean;
  valueKind: "dir" | "file" | "none";
  description: string;
}

/** What the scripts are generated from. */
interface Model {
  program: string;
  fn: string;
  /** Every command path and every prefix of one (`""` is the top level). */
  known: string[];
  /** Next words after a path: subcommands, then argument choices. */
  children: Map<string, { word: string; description: string }[]>;
  /** Options per command path (without globals). */
  options: Map<string, FlatOption[]>;
  globals: FlatOption[];
  valueFlags: string[];
}

function flatten(options: Record<string, OptionSpec>): FlatOption[] {
  return Object.entries(options).filter(([, spec]) => !spec.hidden).map(([name, spec]) => {
    const kind = spec.valueName === "DIR"
      ? "dir"
      : spec.valueName === "PATH" || spec.valueName === "FILE"
      ? "file"
      : "none";
    return {
      long: `--${name}`,
      short: spec.short ? `-${spec.short}` : undefined,
      takesValue: spec.type === "string",
      valueKind: spec.type === "string" ? kind : "none",
      description: spec.description,
    };
  });
}

function buildModel(commands: readonly CommandSpec[], options: CompletionOptions): Model {
  const program = options.program ?? "tmux-orc";
  const known = new Set<string>([""]);
  const children = new Map<string, { word: string; description: string }[]>();
  const optionMap = new Map<string, FlatOption[]>();
  const addChild = (parent: string, word: string, description: string) => {
    const list = children.get(parent) ?? [];
    if (!list.some((c) => c.word === word)) list.push({ word, description });
    children.set(parent, list);
  };
  for (const command of commands) {
    for (let i = 0; i < command.path.length; i++) {
      const parent = command.path.slice(0, i).join(" ");
      const here = command.path.slice(0, i + 1).join(" ");
      known.add(here);
      addChild(parent, command.path[i], i === command.path.length - 1 ? command.summary : "");
    }
    const path = command.path.join(" ");
    optionMap.set(path, flatten(command.options));
    for (const choice of options.argumentChoices?.[path] ?? []) addChild(path, choice, "");
  }
  const globals = flatten(GLOBAL_OPTIONS);
  const valueFlags = new Set<string>();
  for (const list of [globals, ...optionMap.values()]) {
    for (const o of list) {
      if (!o.takesValue) continue;
      valueFlags.add(o.long);
      if (o.short) valueFlags.add(o.short);
    }
  }
  return {
    program,
    fn: `_${program.replace(/[^A-Za-z0-9_]/g, "_")}`,
    known: [...known],
    children,
    options: optionMap,
    globals,
    valueFlags: [...valueFlags].sort(),
  };
}

/** Single-quotes a word for bash, zsh and fish (`'` → `'\''`, which fish also reads). */
function sq(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** Single-quotes for POSIX-style shells (bash, zsh), where backslash is literal inside `'…'`. */
function psq(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function optionWords(model: Model, path: string): string[] {
  const own = model.options.get(path) ?? [];
  const words: string[] = [];
  for (const o of [...own, ...model.globals]) {
    words.push(o.long);
    if (o.short) words.push(o.short);
  }
  if (path === "") words.push("--version");
  return words;
}

function valueCases(model: Model, wordsFor: (kind: "dir" | "file") => string): string[] {
  const byKind = { dir: new Set<string>(), file: new Set<string>(), none: new Set<string>() };
  for (const list of [model.globals, ...model.options.values()]) {
    for (const o of list) {
      if (!o.takesValue) continue;
      byKind[o.valueKind].add(o.long);
      if (o.short) byKind[o.valueKind].add(o.short);
    }
  }
  const lines: string[] = [];
  for (const kind of ["dir", "file"] as const) {
    const flags = [...byKind[kind]].filter((f) => !byKind.none.has(f));
    if (flags.length > 0) lines.push(`    ${flags.join("|")}) ${wordsFor(kind)} ;;`);
  }
  const none = [...byKind.none];
  if (none.length > 0) lines.push(`    ${none.join("|")}) return 0 ;;`);
  return lines;
}

function renderBash(model: Model): string {
  const { fn, program } = model;
  const lines = [
    `# bash completion for ${program} (generated by \`${program} completions bash\`)`,
    `# Install: ${program} completions bash > ~/.local/share/bash-completion/completions/${program}`,
    "",
    `${fn}_known() {`,
    '  case "$1" in',
    `    ${model.known.map((k) => psq(k)).join("|")}) return 0 ;;`,
    "  esac",
    "  return 1",
    "}",
    "",
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" w i skip=0 done=0 candidates=""',
    '  (( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  COMPREPLY=()",
    "  for (( i = 1; i < COMP_CWORD; i++ )); do",
    '    w="${COMP_WORDS[i]}"',
    "    if (( skip )); then skip=0; continue; fi",
    '    case "$w" in',
    `      ${model.valueFlags.join("|")}) skip=1; continue ;;`,
    "      -*) continue ;;",
    "    esac",
    "    (( done )) && continue",
    `    if ${fn}_known "\${cmd:+$cmd }$w"; then cmd="\${cmd:+$cmd }$w"; else done=1; fi`,
    "  done",
    '  case "$prev" in',
    ...valueCases(
      model,
      (kind) =>
        kind === "dir"
          ? 'mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0'
          : 'mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0',
    ),
    "  esac",
    '  if [[ "$cur" == -* ]]; then',
    '    case "$cmd" in',
  ];
  for (const path of ["", ...model.options.keys()]) {
    lines.push(`      ${psq(path)}) candidates=${psq(optionWords(model, path).join(" "))} ;;`);
  }
  lines.push(
    "    esac",
    "  elif (( ! done )); then",
    '    case "$cmd" in',
  );
  for (const [path, kids] of model.children) {
    lines.push(`      ${psq(path)}) candidates=${psq(kids.map((k) => k.word).join(" "))} ;;`);
  }
  lines.push(
    "    esac",
    "  fi",
    '  mapfile -t COMPREPLY < <(compgen -W "$candidates" -- "$cur")',
    "  return 0",
    "}",
    "",
    `complete -F ${fn} ${program}`,
    "",
  );
  return lines.join("\n");
}

function zshDescribe(word: string, description: string): string {
  return psq(description ? `${word.replaceAll(":", "\\:")}:${description}` : word);
}

function renderZsh(model: Model): string {
  const { fn, program } = model;
  const lines = [
    `#compdef ${program}`,
    `# zsh completion for ${program} (generated by \`${program} completions zsh\`)`,
    `# Install: ${program} completions zsh > "\${fpath[1]}/_${program}", or in ~/.zshrc after`,
    `# compinit: source <(${program} completions zsh)`,
    "",
    `${fn}_known() {`,
    '  case "$1" in',
    `    (${model.known.map((k) => psq(k)).join("|")}) return 0 ;;`,
    "  esac",
    "  return 1",
    "}",
    "",
    `${fn}() {`,
    '  local cmd="" w i skip=0 done=0',
    "  local -a candidates",
    "  for (( i = 2; i < CURRENT; i++ )); do",
    '    w="${words[i]}"',
    "    if (( skip )); then skip=0; continue; fi",
    '    case "$w" in',
    `      (${model.valueFlags.join("|")}) skip=1; continue ;;`,
    "      (-*) continue ;;",
    "    esac",
    "    (( done )) && continue",
    `    if ${fn}_known "\${cmd:+$cmd }$w"; then cmd="\${cmd:+$cmd }$w"; else done=1; fi`,
    "  done",
    '  case "${words[CURRENT-1]}" in',
    ...valueCases(model, (kind) => (kind === "dir" ? "_directories; return" : "_files; return"))
      .map((l) => l.replace(/^ {4}(\S+)\)/, "    ($1)")),
    "  esac",
    '  if [[ "${words[CURRENT]}" == -* ]]; then',
    '    case "$cmd" in',
  ];
  return finishZsh(model, lines);
}

function finishZsh(model: Model, lines: string[]): string {
  const { fn, program } = model;
  const described = (path: string) => {
    const own = model.options.get(path) ?? [];
    const entries: string[] = [];
    for (const o of [...own, ...model.globals]) {
      entries.push(zshDescribe(o.long, o.description));
      if (o.short) entries.push(zshDescribe(o.short, o.description));
    }
    if (path === "") entries.push(zshDescribe("--version", "Show version and commit"));
    return entries;
  };
  for (const path of ["", ...model.options.keys()]) {
    lines.push(`      (${psq(path)}) candidates=(${described(path).join(" ")}) ;;`);
  }
  lines.push(
    "    esac",
    "    _describe -t options option candidates",
    "  elif (( ! done )); then",
    '    case "$cmd" in',
  );
  for (const [path, kids] of model.children) {
    lines.push(
      `      (${psq(path)}) candidates=(${
        kids.map((k) => zshDescribe(k.word, k.description)).join(" ")
      }) ;;`,
    );
  }
  lines.push(
    "    esac",
    "    (( ${#candidates} )) && _describe -t commands command candidates",
    "  fi",
    "}",
    "",
    'if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then',
    `  ${fn} "$@"`,
    "else",
    `  compdef ${fn} ${program}`,
    "fi",
    "",
  );
  return lines.join("\n");
}

function renderFish(model: Model): string {
  const { fn, program } = model;
  const lines = [
    `# fish completion for ${program} (generated by \`${program} completions fish\`)`,
    `# Install: ${program} completions fish > ~/.config/fish/completions/${program}.fish`,
    "",
    `set -g ${fn}_known_paths ${model.known.filter((k) => k !== "").map(sq).join(" ")}`,
    "",
    `function ${fn}_command`,
    "    set -l tokens (commandline -opc)",
    "    set -e tokens[1]",
    '    set -l cmd ""',
    "    set -l skip 0",
    "    for w in $tokens",
    "        if test $skip -eq 1",
    "            set skip 0",
    "            continue",
    "        end",
    "        switch $w",
    `            case ${model.valueFlags.map(sq).join(" ")}`,
    "                set skip 1",
    "                continue",
    "            case '-*'",
    "                continue",
    "        end",
    '        set -l next (string trim -- "$cmd $w")',
    `        if contains -- $next $${fn}_known_paths`,
    "            set cmd $next",
    "        else",
    "            break",
    "        end",
    "    end",
    '    echo "$cmd"',
    "end",
    "",
    `function ${fn}_at`,
    `    set -l cmd (${fn}_command)`,
    '    test "$cmd" = "$argv[1]"',
    "end",
    "",
    `complete -c ${program} -f`,
  ];
  const optionLine = (o: FlatOption, condition?: string) => {
    const parts = [`complete -c ${program}`];
    if (condition !== undefined) parts.push(`-n ${sq(`${fn}_at ${sq(condition)}`)}`);
    parts.push(`-l ${o.long.slice(2)}`);
    if (o.short) parts.push(`-s ${o.short.slice(1)}`);
    if (o.takesValue) {
      parts.push("-r");
      if (o.valueKind === "dir") parts.push("-a '(__fish_complete_directories)'");
      if (o.valueKind === "file") parts.push("-F");
    }
    parts.push(`-d ${sq(o.description)}`);
    return parts.join(" ");
  };
  for (const o of model.globals) lines.push(optionLine(o));
  lines.push(
    `complete -c ${program} -n ${sq(`${fn}_at ''`)} -l version -d 'Show version and commit'`,
  );
  for (const [path, kids] of model.children) {
    for (const kid of kids) {
      const description = kid.description ? ` -d ${sq(kid.description)}` : "";
      lines.push(
        `complete -c ${program} -n ${sq(`${fn}_at ${sq(path)}`)} -a ${sq(kid.word)}${description}`,
      );
    }
  }
  for (const [path, options] of model.options) {
    for (const o of options) lines.push(optionLine(o, path));
  }
  lines.push("");
  return lines.join("\n");
}

/** Renders the completion script for `shell` from the command list. */
export function renderCompletions(
  shell: Shell,
  commands: readonly CommandSpec[],
  options: CompletionOptions = {},
): string {
  const model = buildModel(commands, options);
  switch (shell) {
    case "bash":
      return renderBash(model);
    case "zsh":
      return renderZsh(model);
    case "fish":
      return renderFish(model);
  }
}
