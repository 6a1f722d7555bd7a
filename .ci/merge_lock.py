"""Merge pip `--report` files (one per Python version) into one constraints file with python_version markers."""

import json
import sys
from collections import defaultdict

versions: dict[str, dict[str, str]] = defaultdict(dict)  # package -> python version -> version
pythons = []
for path in sys.argv[1:]:
    report = json.load(open(path))
    py = ".".join(report["environment"]["python_full_version"].split(".")[:2])
    pythons.append(py)
    for item in report["install"]:
        name = item["metadata"]["name"].lower().replace("_", "-")
        if name != "corpusforge":
            versions[name][py] = item["metadata"]["version"].split("+")[0]  # torch 2.13.0+cpu: the pin is 2.13.0

print("# The tested lock: every package an install of corpusforge with all its extras resolves to, per Python")
print(
    "# version (markers where they differ). Refresh with .ci/lock; install with `pip install -e . -c constraints.txt`."
)
for name in sorted(versions):
    by_py = versions[name]
    if len(set(by_py.values())) == 1 and len(by_py) == len(pythons):
        print(f"{name}=={next(iter(by_py.values()))}")
    else:
        for version in sorted(set(by_py.values())):
            pys = sorted(py for py, v in by_py.items() if v == version)
            marker = f'python_version == "{pys[0]}"' if len(pys) == 1 else f'python_version in "{" ".join(pys)}"'
            print(f"{name}=={version} ; {marker}")
