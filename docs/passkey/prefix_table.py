"""Key-prefix match per cell from a passkey JSON: the output's first integer *begins with* the key.

The strict rule of `infini passkey` (first integer == key) fails a model that writes the key and then keeps
writing digits; this table shows how often the key itself came out. Usage: python3 prefix_table.py FILE.json
"""
import json, re, sys
from collections import defaultdict

d = json.load(open(sys.argv[1]))
cells = defaultdict(list)
for t in d["trials"]:
    m = re.search(r"\d+", t["output"])
    cells[(t["length"], t["depth"])].append(bool(m and m.group().startswith(t["key"])))
lengths = sorted({k[0] for k in cells})
depths = sorted({k[1] for k in cells})
fmt = lambda n: f"{n >> 20}M" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n >> 10}K" if n % 1024 == 0 else str(n)
print("| depth \\ length |" + "".join(f" {fmt(l)} |" for l in lengths))
print("|---|" + "---:|" * len(lengths))
for dep in depths:
    print(f"| {dep * 100:.0f}% |" + "".join(f" {100 * sum(cells[(l, dep)]) / len(cells[(l, dep)]):.0f}% |" for l in lengths))
print("| **all** |" + "".join(
    f" **{100 * sum(sum(cells[(l, x)]) for x in depths) / sum(len(cells[(l, x)]) for x in depths):.0f}%** |"
    for l in lengths))
