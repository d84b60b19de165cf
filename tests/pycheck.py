"""What the Python tests share: one PASS/FAIL line per check, counted in `failures`, and a
subprocess run that returns (status, stdout, stderr).

Use from a test one folder below tests/:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import pycheck
    from pycheck import check
and exit with pycheck.failures.
"""
import re
import subprocess
import sys

failures = 0


def check(name, ok, detail=""):
    """Print PASS or FAIL with the detail; count a failure; return ok."""
    global failures
    if ok:
        print(f"PASS: {name}" + (f" ({detail})" if detail else ""))
    else:
        failures += 1
        print(f"FAIL: {name}" + (f": {detail}" if detail else ""))
    sys.stdout.flush()
    return ok


def run(*args, **kwargs):
    """(exit status, stdout, stderr) of the command args."""
    p = subprocess.run(list(args), capture_output=True, text=True, **kwargs)
    return p.returncode, p.stdout, p.stderr


def number(pattern, text):
    """The groups of the first match of pattern in text as floats, or None."""
    m = re.search(pattern, text)
    return [float(x) for x in m.groups()] if m else None
