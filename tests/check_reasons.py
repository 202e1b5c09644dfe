#!/usr/bin/env python3
"""The error reasons agree everywhere (issue 12.11).

include/keep/reasons.h is the one list: kApiReasons (name, HTTP status) and kLocalReasons.
This check fails when
  - a source file outside the tests emits or compares a reason that is in neither list
    (Unavailable("x"), FailedPrecondition("x"), Status(Code::k…, "x"), the last argument of
    InvalidArgument/NotFound/AlreadyExists, status.cc's DefaultReason, reason() == "x"),
  - docs/api.md's error table does not list exactly kApiReasons, each under its status,
  - a listed reason is used nowhere (a stale entry).

Usage: check_reasons.py REPO_ROOT
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")


def table():
    text = (ROOT / "include/keep/reasons.h").read_text()
    api = {m.group(1): int(m.group(2))
           for m in re.finditer(r'\{"([a-z_]+)",\s*(\d{3}),\s*Code::', text)}
    local_block = text[text.index("kLocalReasons[]"):]
    local_block = local_block[:local_block.index("};")]
    local = set(re.findall(r'^\s*"([a-z_]+)",', local_block, re.M))
    return api, local


def calls(text, name):
    """The top-level arguments of every call `name(...)` in `text`."""
    for m in re.finditer(r"\b" + name + r"\(", text):
        i, depth, args, cur, quote = m.end(), 1, [], "", None
        while i < len(text) and depth > 0:
            c = text[i]
            if quote:
                cur += c
                if c == "\\":
                    cur += text[i + 1]
                    i += 1
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
                cur += c
            elif c in "([{":
                depth += 1
                cur += c
            elif c in ")]}":
                depth -= 1
                if depth > 0:
                    cur += c
            elif c == "," and depth == 1:
                args.append(cur)
                cur = ""
            else:
                cur += c
            i += 1
        args.append(cur)
        yield args


def used_reasons():
    found = {}
    lit = re.compile(r'^\s*"([a-z_]+)"\s*$')
    for path in list((ROOT / "src").rglob("*.cc")) + list((ROOT / "src").rglob("*.h")) + \
            list((ROOT / "cmd").rglob("*.cc")):
        if path.name.endswith("_test.cc") or "testing" in path.parts:
            continue
        text = path.read_text()
        where = str(path.relative_to(ROOT))
        for fn in ("Unavailable", "FailedPrecondition"):
            for args in calls(text, fn):
                if m := lit.match(args[0]):
                    found.setdefault(m.group(1), where)
        for args in calls(text, "Status"):
            if len(args) >= 2 and args[0].strip().startswith("Code::"):
                if m := lit.match(args[1]):
                    found.setdefault(m.group(1), where)
        for fn in ("InvalidArgument", "NotFound", "AlreadyExists"):
            for args in calls(text, fn):
                if len(args) >= 2 and (m := lit.match(args[-1])):
                    found.setdefault(m.group(1), where)
        for m in re.finditer(r'reason\(\)\s*[!=]=\s*"([a-z_]+)"', text):
            found.setdefault(m.group(1), where)
        if path.name == "status.cc":
            body = text[text.index("DefaultReason"):]
            body = body[:body.index("\n}\n")]
            for r in re.findall(r'return "([a-z_]+)";', body):
                if r != "ok":
                    found.setdefault(r, where)
    return found


def documented():
    text = (ROOT / "docs/api.md").read_text()
    start = text.index("| status | codes |")
    rows = text[start:].split("\n\n")[0].splitlines()[2:]
    docs = {}
    for row in rows:
        cells = row.split("|")
        status = int(cells[1].strip())
        for name in re.findall(r"`([a-z_]+)`", cells[2]):
            if name in docs:
                raise SystemExit(f"docs/api.md lists {name} twice")
            docs[name] = status
    return docs


def main():
    api, local = table()
    problems = []
    if len(api) < 20 or len(local) < 5:
        problems.append(f"reasons.h parsed to {len(api)} API and {len(local)} local reasons")
    used = used_reasons()
    if len(used) < 25:
        problems.append(f"only {len(used)} reasons found in the sources: the scan is broken")
    for name, where in sorted(used.items()):
        if name not in api and name not in local:
            problems.append(f"{where} uses reason '{name}', listed in neither "
                            "kApiReasons nor kLocalReasons (include/keep/reasons.h)")
    for name in sorted(set(api) | local):
        if name not in used:
            problems.append(f"reasons.h lists '{name}' but no source uses it")
    docs = documented()
    for name, status in sorted(api.items()):
        if name not in docs:
            problems.append(f"docs/api.md's error table lacks '{name}' ({status})")
        elif docs[name] != status:
            problems.append(f"docs/api.md lists '{name}' under {docs[name]}, reasons.h under "
                            f"{status}")
    for name in sorted(set(docs) - set(api)):
        problems.append(f"docs/api.md lists '{name}', which is not an API reason")
    for p in problems:
        print(p)
    print(f"{len(api)} API reasons, {len(local)} local, {len(used)} used in the sources, "
          f"{len(docs)} documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
