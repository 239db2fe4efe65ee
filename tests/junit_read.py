#!/usr/bin/env python3
"""junit_read.py FILE [--expect-failure TEXT] -- read a JUnit file the way a CI
system does, with junitparser (Debian's python3-junitparser), and check what
linkrig promises: every testcase has a classname and a time, no test name
carries a YAML line number, every suite has the seed, firmware and version
among its properties, and every failure says expected vs seen and comes with
the command that reproduces the run. Prints one line per testcase,
"classname<TAB>name<TAB>pass|fail", sorted, for comparing runs."""
import re
import sys

try:
    from junitparser import Failure, JUnitXml, TestSuite
except ImportError:
    sys.exit("junit_read: junitparser is not installed (apt-get install python3-junitparser)")


def main():
    path = sys.argv[1]
    want_failure = None
    if len(sys.argv) > 3 and sys.argv[2] == "--expect-failure":
        want_failure = sys.argv[3]
    xml = JUnitXml.fromfile(path)
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)
    rows, problems, seen_failure = [], [], False
    for suite in suites:
        props = {p.name: p.value for p in suite.properties()}
        for key in ("seed", "firmware", "linkrig.version"):
            if key not in props:
                problems.append("suite %s: no property %s" % (suite.name, key))
        for case in suite:
            if not case.classname or not case.classname.startswith("linkrig."):
                problems.append("%s: classname %r" % (case.name, case.classname))
            if case.time is None:
                problems.append("%s: no time" % case.name)
            if re.search(r"\(line \d+\)", case.name or ""):
                problems.append("%s: a line number in the test name" % case.name)
            failures = [r for r in case.result if isinstance(r, Failure)]
            for f in failures:
                seen_failure = seen_failure or (want_failure is not None and want_failure in (case.name or ""))
                if not f.message:
                    problems.append("%s: a failure without a message" % case.name)
                out = case.system_out or ""
                if " run " not in out:
                    problems.append("%s: no reproducing command in system-out (%r)" % (case.name, out))
            rows.append("%s\t%s\t%s" % (case.classname, case.name, "fail" if failures else "pass"))
    if want_failure is not None and not seen_failure:
        problems.append("no failing testcase named like %r" % want_failure)
    if problems:
        sys.exit("%s:\n  %s" % (path, "\n  ".join(problems)))
    for r in sorted(rows):
        print(r)


main()
