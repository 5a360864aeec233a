// Schema patterns are Perl regular expressions, and PVE::JSONSchema tests them as
// `$value =~ m/^$pattern$/`. This turns one into a JavaScript RegExp that accepts the same values.

/**
 * Compiles a schema `pattern` the way PVE::JSONSchema::check_prop applies it.
 *
 * - The pattern is pasted between `^` and `$` without a group, as Perl does, so an alternation
 *   binds loosely: `a|b` accepts anything that starts with `a` or ends with `b` (PVE quirk,
 *   kept on purpose: the emulator must not reject what Proxmox accepts).
 * - `(?^:…)` / `(?^i:…)` (how Perl prints a `qr//`) become `(?:…)` / `(?i:…)`.
 * - `{,n}` means `{0,n}` since Perl 5.34 (Proxmox VE 9 runs Perl 5.40).
 * - Atomic groups `(?>…)` have no JavaScript form; they become plain groups, which accept a
 *   superset (only one pattern in the schema, an LXC one, uses them).
 * - Perl's `$` also matches before a final newline; JavaScript's does not. Values that end in a
 *   newline are therefore rejected here where Proxmox might accept them; no client sends those.
 *
 * @example perlPattern('(ide|sata|scsi|virtio)\\d+').test('scsi0') // true
 */
export function perlPattern(pattern: string): RegExp {
  const translated = pattern
    .replace(/\(\?\^([a-z]*):/g, (_all, flags: string) => (flags ? `(?${flags}:` : '(?:'))
    .replace(/\{,(\d+)\}/g, '{0,$1}');
  try {
    return new RegExp(`^${translated}$`);
  } catch {
    return new RegExp(`^${translated.replaceAll('(?>', '(?:')}$`);
  }
}
