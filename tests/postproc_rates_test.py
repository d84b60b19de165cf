#!/usr/bin/python3
"""postproc/plot_rates.py keeps incomplete rates out of the capacity-vs-rate curve.

usage: /usr/bin/python3 tests/postproc_rates_test.py

Five rates, the 2C and 5C runs incomplete (they stopped early with a small capacity): the
curve holds only the complete rates, in rate order, relative to the 1C capacity, and the
incomplete ones come back separately to be marked.  One line per check, exit status the
number of failures.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "postproc"))
import plot_rates  # noqa: E402

failures = 0


def check(name, ok, detail=""):
    global failures
    failures += not ok
    print(("PASS: " if ok else "FAIL: ") + name + (" (%s)" % detail if detail else ""))


(xg, yg), (xb, yb) = plot_rates.capacity_curve(
    c_rate=[1, 0.1, 5, 0.5, 2], capacity=[9.0, 10.5, 0.05, 10.0, 6.5],
    complete=[1, 1, 0, 1, 0], q1c=10.0)
check("the curve holds only the complete rates, in rate order", list(xg) == [0.1, 0.5, 1],
      str(list(xg)))
check("their capacities relative to the 1C capacity", np.allclose(yg, [1.05, 1.0, 0.9]),
      str(list(yg)))
check("the incomplete rates come back apart", list(xb) == [2, 5] and np.allclose(yb, [0.65, 0.005]),
      "%s %s" % (list(xb), list(yb)))
(xg, yg), (xb, yb) = plot_rates.capacity_curve([0.5, 1], [10.0, 9.0], [1, 1])
check("all complete: nothing apart, capacities as given", len(xb) == 0 and list(yg) == [10.0, 9.0])
print("%d failure(s)" % failures)
sys.exit(failures)
