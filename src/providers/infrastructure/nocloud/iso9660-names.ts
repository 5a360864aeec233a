// File names in the ISO 9660 sense: the 8.3 "level 1" identifiers every reader
// understands (§7.5, §10.1), and the mapping Linux applies to them when a disc has
// neither Rock Ridge nor Joliet (mount option map=normal, the default).

/** d-characters only: A–Z, 0–9 and `_`; anything else becomes `_`. */
function dCharacters(text: string): string {
  return text.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * Level 1 identifiers (`NAME8.EXT;1`) for `names`, in the same order, all different.
 * `user-data` → `USER_DAT.;1`. A clash gets a number at the end of the name: `USER_DA1`.
 */
export function levelOneNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const dot = name.lastIndexOf('.');
    const base = dCharacters(dot > 0 ? name.slice(0, dot) : name) || '_';
    const extension = dot > 0 ? dCharacters(name.slice(dot + 1)).slice(0, 3) : '';
    let candidate = `${base.slice(0, 8)}.${extension};1`;
    for (let n = 1; used.has(candidate); n++) {
      const tail = String(n);
      candidate = `${base.slice(0, 8 - tail.length)}${tail}.${extension};1`;
    }
    used.add(candidate);
    return candidate;
  });
}

/** What Linux shows for a plain ISO 9660 identifier: lowercase, no `;1`, no trailing dot. */
export function linuxNameOf(identifier: string): string {
  return identifier.replace(/;\d+$/, '').replace(/\.$/, '').toLowerCase();
}
