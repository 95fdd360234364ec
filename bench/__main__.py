"""`python -m bench`: run every benchmark script in this folder and print its figures."""

import runpy
import sys
from pathlib import Path

for script in sorted(Path(__file__).parent.glob("*.py")):
    if script.name.startswith("_"):
        continue
    print(f"== {script.stem} ==", flush=True)
    sys.argv = [str(script)]
    runpy.run_path(str(script), run_name="__main__")
