"""`python -m bench.faults` (`make faults`): the three fault scripts in turn; exit 1 if any fails.

Each starts its own throwaway PostgreSQL cluster and servers on 127.0.0.1 (FAULTS_PORT_BASE, default
18450) and prints its table. Slow (minutes each), so not part of `make test`."""

import subprocess
import sys

SCRIPTS = ("kill9", "db_outage", "scheduler_kill")
failed = []
for name in SCRIPTS:
    print(f"== {name} ==", flush=True)
    if subprocess.run([sys.executable, "-m", f"bench.faults.{name}"]).returncode != 0:
        failed.append(name)
print("faults:", "FAILED " + ", ".join(failed) if failed else "all passed")
sys.exit(1 if failed else 0)
