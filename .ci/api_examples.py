"""Run docs/api.md's ```python blocks in order, in one namespace, as a user would.

`.ci/run` calls this in the fresh venv (a plain `pip install .`, no extras), so an example
that needs the test extra or the raw-data folder fails CI. Usage: python api_examples.py DOC
"""

import re
import sys
from pathlib import Path

doc = Path(sys.argv[1])
blocks = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
namespace: dict[str, object] = {}
for i, block in enumerate(blocks):
    exec(compile(block, f"{doc.name}[block {i}]", "exec"), namespace)  # noqa: S102
print(f"{doc}: {len(blocks)} examples ran")
