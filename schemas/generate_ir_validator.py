"""Compile schemas/ir/pipeline_spec.schema.json into a plain-Python validity check.

Why: importing jsonschema and walking a document with it costs about as much as the rest of a
compile (kfpc's cold-start target is half of `kfp dsl compile`). The generated module answers one
question, "is this document valid?", with straight-line code and no imports; kfpc then asks
jsonschema for the detailed diagnostics only when the answer is no. tests/test_ir_schema_check.py
proves both agree on the corpus and on thousands of mutated documents, and fails when the
generated file is out of date.

Only the keywords the IR schema uses are supported (type, properties, additionalProperties,
dependentSchemas, items, anyOf, enum, pattern, $ref, true/false); anything else is an error here,
never a silent pass. Run: python schemas/generate_ir_validator.py [--check]
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA = HERE / "ir" / "pipeline_spec.schema.json"
TARGET = HERE.parent / "kfpc" / "ir" / "_schema_check.py"
ENTRIES = {"pipeline": "ml_pipelines.PipelineSpec", "deployment": "ml_pipelines.PipelineDeploymentConfig",
           "platform": "ml_pipelines.PlatformSpec"}
KNOWN = {"type", "properties", "additionalProperties", "dependentSchemas", "items", "anyOf", "enum", "pattern",
         "$ref", "description", "$comment", "title"}
TYPE_CHECKS = {
    "object": "type(x) is dict",
    "array": "type(x) is list",
    "string": "type(x) is str",
    "boolean": "type(x) is bool",
    "null": "x is None",
    # JSON Schema: 1.0 is an integer, booleans are not numbers.
    "integer": "(type(x) is int or (type(x) is float and x.is_integer()))",
    "number": "type(x) in (int, float)",
}


class Compiler:
    def __init__(self, schema: dict):
        self.defs = schema["$defs"]
        self.functions: dict[str, str] = {}  # canonical schema JSON -> function name
        self.bodies: list[str] = []
        self.tables: list[str] = []  # emitted after every function: recursive refs are fine
        self.patterns: dict[str, str] = {}
        self.enums: dict[str, str] = {}

    def function(self, schema) -> str:
        if schema is True or schema == {}:
            return "_any"
        if schema is False:
            return "_never"
        if set(schema) == {"$ref"}:
            return self.ref(schema["$ref"])
        key = json.dumps(schema, sort_keys=True)
        if key in self.functions:
            return self.functions[key]
        name = f"_s{len(self.functions)}"
        self.functions[key] = name
        self.bodies.append(self.body(name, schema))
        return name

    def ref(self, ref: str) -> str:
        target = ref.removeprefix("#/$defs/")
        if target not in self.defs:
            raise ValueError(f"unknown $ref {ref}")
        key = f"$def:{target}"
        if key not in self.functions:
            name = f"_s{len(self.functions)}"
            self.functions[key] = name
            self.bodies.append(self.body(name, self.defs[target], comment=target))
        return self.functions[key]

    def body(self, name: str, schema: dict, comment: str = "") -> str:
        unknown = set(schema) - KNOWN
        if unknown:
            raise ValueError(f"unsupported schema keywords {sorted(unknown)}")
        lines = [f"def {name}(x):" + (f"  # {comment}" if comment else "")]
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            lines.append(f"    if not ({' or '.join(TYPE_CHECKS[t] for t in types)}):")
            lines.append("        return False")
        if "enum" in schema:
            values = repr(tuple(schema["enum"]))
            constant = self.enums.setdefault(values, f"_E{len(self.enums)}")
            lines.append(f"    if not _in_enum(x, {constant}):")
            lines.append("        return False")
        if "pattern" in schema:
            constant = self.patterns.setdefault(schema["pattern"], f"_P{len(self.patterns)}")
            lines.append(f"    if type(x) is str and {constant}.search(x) is None:")
            lines.append("        return False")
        if "anyOf" in schema:
            alternatives = [self.function(s) for s in schema["anyOf"]]
            lines.append(f"    if not ({' or '.join(f'{a}(x)' for a in alternatives)}):")
            lines.append("        return False")
        if "items" in schema:
            item = self.function(schema["items"])
            if item != "_any":
                lines.append(f"    if type(x) is list and not all({item}(i) for i in x):")
                lines.append("        return False")
        if "properties" in schema or "additionalProperties" in schema or "dependentSchemas" in schema:
            lines.append("    if type(x) is dict:")
            props = {k: self.function(v) for k, v in schema.get("properties", {}).items()}
            extra = schema.get("additionalProperties", True)
            extra_fn = self.function(extra)
            table = f"_T_{name}"
            self.tables.append(f"{table} = {{{', '.join(f'{k!r}: {v}' for k, v in sorted(props.items()))}}}")
            lines.append("        for k, v in x.items():")
            lines.append(f"            check = {table}.get(k, {extra_fn})")
            lines.append("            if not check(v):")
            lines.append("                return False")
            for trigger, dependent in sorted(schema.get("dependentSchemas", {}).items()):
                lines.append(f"        if {trigger!r} in x and not {self.function(dependent)}(x):")
                lines.append("            return False")
        lines.append("    return True")
        return "\n".join(lines)


def build() -> str:
    text = SCHEMA.read_bytes()
    schema = json.loads(text)
    compiler = Compiler(schema)
    entries = {alias: compiler.ref(f"#/$defs/{name}") for alias, name in ENTRIES.items()}
    out = [
        f'"""GENERATED by schemas/generate_ir_validator.py from schemas/ir/pipeline_spec.schema.json '
        f'(sha256 {hashlib.sha256(text).hexdigest()[:16]}); do not edit.',
        "",
        "valid(kind, document) is True exactly when jsonschema accepts the document (see the generator).",
        '"""',
        "# flake8: noqa",
        "import re",
        "",
        "",
        "def _any(x):",
        "    return True",
        "",
        "",
        "def _never(x):",
        "    return False",
        "",
        "",
        "def _in_enum(x, values):",
        "    # JSON Schema equality: booleans are not numbers, 1 equals 1.0",
        "    return any(x == v and (type(x) is bool) == (type(v) is bool) for v in values)",
        "",
        "",
    ]
    out += [f"{name} = re.compile({pattern!r})" for pattern, name in sorted(compiler.patterns.items(),
                                                                             key=lambda item: item[1])]
    out += [f"{name} = {values}" for values, name in sorted(compiler.enums.items(), key=lambda item: item[1])]
    out += ["", ""]
    for body in compiler.bodies:
        out += [body, "", ""]
    out += compiler.tables
    out += ["", ""]
    out.append("_ENTRIES = {" + ", ".join(f"{k!r}: {v}" for k, v in sorted(entries.items())) + "}")
    out += ["", "", "def valid(kind, document):", "    return _ENTRIES[kind](document)", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text("utf-8") != text:
            print(f"{TARGET} is out of date; run python schemas/generate_ir_validator.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
