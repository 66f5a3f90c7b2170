// Comment lines stripped from what travels in user data (EC2 takes at most 16,384 bytes): the boot
// files' loader (boot-files.ts). Pure.

/**
 * A file without its full-line comments: scripts (the shebang and shellcheck directives stay),
 * systemd units and the proxy's nginx.conf. The repository, the boot files and `gpufleet render`
 * keep the commented files.
 */
export function compactFile(path: string, content: string): string {
  const script = content.startsWith("#!") || content.startsWith("# shellcheck");
  const config = /\.(service|timer|target)$|\/nginx\.conf$/.test(path);
  if (!script && !config) return content;
  const comment = script ? /^\s*#(?!!|\s*shellcheck)/ : /^\s*#/;
  return content
    .split("\n")
    .filter((line) => !comment.test(line))
    .join("\n");
}
