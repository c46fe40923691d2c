"""What the checks of sevinspect.py share: the error that ends an inspection,
the violation counter, and address-range arithmetic.  Python 3 standard
library only."""


class InspectError(Exception):
    """The inspection itself failed (QEMU, QMP, the guest never got ready)."""


class Checker:
    """Counts one check's violations and keeps the first max_violations."""

    def __init__(self, name, max_violations):
        self.name = name
        self.max = max_violations
        self.violations = 0
        self.lines = []

    def violation(self, text):
        self.violations += 1
        if len(self.lines) < self.max:
            self.lines.append("violation: %s: %s" % (self.name, text))


def overlaps(a, alen, b, blen):
    return a < b + blen and b < a + alen


def inside(a, alen, b, blen):
    return b <= a and a + alen <= b + blen
