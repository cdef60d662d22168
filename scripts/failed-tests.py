#!/usr/bin/env python3
"""Prints each failed test of the given TRX files with the first lines of its message: scripts/test.sh's recap."""
import sys
import xml.etree.ElementTree as ElementTree

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 12

failed = []
for path in sys.argv[1:]:
    for result in ElementTree.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") == "Failed":
            message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
            failed.append((result.get("testName"), result.get("duration"), (message.text or "") if message is not None else ""))

print(f"\n{len(failed)} failed test(s):")
for name, duration, message in failed:
    print(f"\n  FAILED {name} ({duration})")
    for line in message.strip().splitlines()[:MESSAGE_LINES]:
        print(f"    {line}")
