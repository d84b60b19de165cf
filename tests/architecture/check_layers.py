#!/usr/bin/python3
"""The source layers of docs/architecture.md: every #include of an upscale header from a file
under src/ (or include/upscale/) points to the same layer or one below it.

Layers, lowest first: io < materials < {bridge, cell} < driver < studies < main.c.  bridge and
cell are siblings: neither includes the other.  A header belongs to the layer of the folder
that holds its implementation (upscale/X.h -> src/*/X.c), except those named in EXTRA.
Prints every offending include; exit status 1 if there is one."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else '.')
RANK = {'io': 0, 'materials': 1, 'bridge': 2, 'cell': 2, 'driver': 3, 'studies': 4, 'main': 5}
EXTRA = {'constants': 'io', 'gcmc': 'bridge', 'import': 'bridge', 'import_gcmc': 'bridge'}

owner = dict(EXTRA)
for c in (root / 'src').rglob('*.c'):
    rel = c.relative_to(root / 'src').parts
    owner.setdefault(c.stem, rel[0] if len(rel) > 1 else 'main')


def layer_of(path):
    rel = path.relative_to(root)
    if rel.parts[0] == 'include':
        return owner.get(path.stem)
    return rel.parts[1] if len(rel.parts) > 2 else 'main'


bad, checked = [], 0
files = list((root / 'src').rglob('*.[ch]')) + list((root / 'include' / 'upscale').glob('*.h'))
for f in files:
    me = layer_of(f)
    if me is None:
        bad.append(f'{f.relative_to(root)}: a header with no implementation folder; name it in EXTRA')
        continue
    for n, line in enumerate(f.read_text().splitlines(), 1):
        m = re.match(r'\s*#\s*include\s+"upscale/(\w+)\.h"', line)
        if not m:
            continue
        checked += 1
        dep = owner.get(m.group(1))
        if dep is None:
            bad.append(f'{f.relative_to(root)}:{n}: upscale/{m.group(1)}.h has no layer')
        elif RANK[dep] > RANK[me] or (RANK[dep] == RANK[me] and dep != me):
            bad.append(f'{f.relative_to(root)}:{n}: {me} includes upscale/{m.group(1)}.h of {dep}')
print(f'{checked} includes in {len(files)} files checked')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
