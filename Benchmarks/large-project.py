#!/usr/bin/env python3
"""Writes a replay project with N cases (default 100,000) for timing loading and reports.

    python3 Benchmarks/large-project.py /tmp/big 100000
    cd /tmp/big && evalgate gate --report none && time evalgate report latest
    python3 Benchmarks/large-project.py /tmp/yaml 20000 --yaml     # the suite as one YAML file

Every 50th case fails ('14 days' where '30 days' is expected); each case has one of seven tags.
"""
import json
import os
import sys

arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
yaml = "--yaml" in sys.argv
folder = arguments[0] if arguments else "large-project"
count = int(arguments[1]) if len(arguments) > 1 else 100_000
os.makedirs(os.path.join(folder, "suites"), exist_ok=True)
os.makedirs(os.path.join(folder, "prompts"), exist_ok=True)
if yaml:
    with open(os.path.join(folder, "suites", "bulk.yaml"), "w") as suite:
        suite.write("suite: bulk\nkind: golden\ncases:\n")
        for i in range(count):
            suite.write(f"  - id: case-{i:06d}\n    prompt: 'Question {i}: how long is the return window?'\n"
                        f"    expected_contains: ['30 days']\n    tags: [t{i % 7}]\n")
else:
    with open(os.path.join(folder, "suites", "bulk.jsonl"), "w") as suite:
        for i in range(count):
            suite.write(json.dumps({"id": f"case-{i:06d}", "prompt": f"Question {i}: how long is the return window?",
                                    "expected_contains": ["30 days"], "tags": [f"t{i % 7}"]}) + "\n")
with open(os.path.join(folder, "recording.jsonl"), "w") as recording:
    for i in range(count):
        text = "You have 30 days from delivery." if i % 50 else "You have 14 days."
        recording.write(json.dumps({"suite": "bulk", "case": f"case-{i:06d}", "sample": 0, "text": text,
                                    "usage": {"input_tokens": 100, "output_tokens": 12}, "latency_ms": 300 + i % 500}) + "\n")
with open(os.path.join(folder, "prompts", "system.md"), "w") as prompt:
    prompt.write("You are support.\n")
with open(os.path.join(folder, "evalgate.yaml"), "w") as config:
    config.write("version: 1\nprovider:\n  type: replay\n  file: recording.jsonl\n  model: m1\n"
                 "prompt:\n  system: prompts/system.md\nrun:\n  concurrency: 64\nsuites: [suites]\n")
print(f"wrote {count} cases to {folder}")
