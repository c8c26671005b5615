"""Generate schemas/ir/pipeline_spec.schema.json from the published KFP protobuf descriptors.

Why this exists
---------------
kfpc reads pipeline IR that the KFP SDK wrote with protobuf ``json_format``
(protojson), but kfp and protobuf are only development dependencies, so the
compiler checks IR against a JSON Schema instead.  A hand-written schema would
drift from the proto, so this one is derived from the descriptors shipped in
``kfp-pipeline-spec`` and ``kfp-kubernetes``, and a test fails when the
committed file no longer matches what this script produces.

Things the descriptors alone do not tell you:

* ``PipelineSpec.deploymentSpec`` is declared as an untyped
  ``google.protobuf.Struct`` although it always holds a
  ``ml_pipelines.PipelineDeploymentConfig``; likewise every
  ``PlatformSpec.platforms[*].deploymentSpec.executors[*]`` is a Struct that
  really holds a ``kfp_kubernetes.KubernetesExecutorConfig``.  Following the
  declared types would leave them unchecked, so those real types are extra
  roots in ``$defs`` and consumers validate those subtrees against them
  separately.
* protojson accepts every field under its lowerCamelCase json_name and its
  original proto name, treats ``null`` as "unset", accepts 64-bit (and all
  other) integers as JSON numbers or decimal strings, and floats as numbers or
  "NaN"/"Infinity"/"-Infinity".  The schema mirrors that, so that anything the
  SDK or backend could have written is accepted.
* Go protojson (the KFP backend) rejects a field given under both spellings,
  and every protojson rejects two non-null members of one oneof.  JSON Schema has no
  "at most one of these keys", so each conflicting pair (a, b) becomes
  ``dependentSchemas: {a: {properties: {b: false}}}``, i.e. "not both".  That
  is equivalent to ``not: {required: [a, b]}`` but only costs anything when
  ``a`` is present; the ``not``/``required`` form made python-jsonschema build
  and discard an error object for every absent pair and was ~3x slower.

Usage: ``python schemas/generate_ir_schema.py [--check]``.
"""

import argparse
import functools
import importlib
import importlib.metadata
import itertools
import json
import sys
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parent / "ir" / "pipeline_spec.schema.json"

ROOTS = {
    "kfp.pipeline_spec.pipeline_spec_pb2": [
        "PipelineSpec",
        "PipelineDeploymentConfig",
        "PipelineDeploymentConfig.ExecutorSpec",
        "PlatformSpec",
        "SinglePlatformSpec",
    ],
    "kfp.kubernetes.kubernetes_executor_config_pb2": ["KubernetesExecutorConfig"],
}

# "pattern" only constrains strings, so one schema covers "number or string".
INTEGER = {"type": ["integer", "string"], "pattern": "^-?[0-9]+$"}
NUMBER = {"type": ["number", "string"], "pattern": "^(NaN|-?Infinity)$"}

# Well-known types have their own JSON mapping instead of the generic message one.
WELL_KNOWN = {
    "google.protobuf.Any": {"type": "object"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$"},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.FieldMask": {"type": "string"},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Value": {},
}


def scalar_schema(field):
    from google.protobuf.descriptor import FieldDescriptor as FD

    cpp = field.cpp_type
    if cpp in (FD.CPPTYPE_INT32, FD.CPPTYPE_INT64, FD.CPPTYPE_UINT32, FD.CPPTYPE_UINT64):
        return dict(INTEGER)
    if cpp in (FD.CPPTYPE_FLOAT, FD.CPPTYPE_DOUBLE):
        return dict(NUMBER)
    if cpp == FD.CPPTYPE_BOOL:
        return {"type": "boolean"}
    if cpp == FD.CPPTYPE_ENUM:
        if field.enum_type.full_name == "google.protobuf.NullValue":
            return {"type": "null"}
        names = [v.name for v in field.enum_type.values]
        return {"anyOf": [{"enum": names}, {"type": "integer"}]}
    return {"type": "string"}  # string, and bytes (base64 text)


def value_schema(field, pending):
    """Schema for one value of `field`: the element of a repeated field, or the field itself."""
    msg = field.message_type
    if msg is None:
        return scalar_schema(field)
    name = msg.full_name
    if name in WELL_KNOWN:
        return dict(WELL_KNOWN[name])
    if name.startswith("google.protobuf.") and name.endswith("Value"):
        return scalar_schema(msg.fields_by_name["value"])  # wrappers: Int32Value etc.
    pending.append(msg)
    return {"$ref": "#/$defs/" + name}


def nullable(schema):
    # protojson treats null as "field not set", whatever the field's type.
    if "type" not in schema:
        # null last: anyOf stops at the first match, and real values are the common case.
        return {"anyOf": [schema, {"type": "null"}]} if schema else schema
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": types if "null" in types else types + ["null"]}


def is_repeated(field):
    if hasattr(field, "is_repeated"):  # protobuf >= 6 deprecates `label`
        return field.is_repeated
    return field.label == field.LABEL_REPEATED


def field_schema(field, pending):
    entry = field.message_type
    if entry is not None and entry.GetOptions().map_entry:
        key = entry.fields_by_name["key"]
        schema = {"type": "object", "additionalProperties": value_schema(entry.fields_by_name["value"], pending)}
        # JSON object keys are always strings; non-string map keys are spelled as text.
        key_schema = scalar_schema(key)
        if key_schema.get("type") == "boolean":
            schema["propertyNames"] = {"enum": ["false", "true"]}
        elif key_schema.get("pattern"):
            schema["propertyNames"] = {"pattern": key_schema["pattern"]}
    elif is_repeated(field):
        schema = {"type": "array", "items": value_schema(field, pending)}
    else:
        schema = value_schema(field, pending)
    return nullable(schema)


def spellings(field):
    return sorted({field.json_name, field.name})


def message_schema(msg, pending):
    properties, conflicts = {}, set()
    for field in msg.fields:
        schema = field_schema(field, pending)
        names = spellings(field)
        for name in names:
            properties[name] = schema
        if len(names) == 2:
            conflicts.add(tuple(names))
    # Synthetic oneofs of proto3 `optional` fields have one member and add no pairs.
    # A null member still counts here (protojson would ignore it): stricter, and
    # the SDK never writes one.
    for oneof in msg.oneofs:
        for a, b in itertools.combinations(oneof.fields, 2):
            conflicts.update(tuple(sorted(p)) for p in itertools.product(spellings(a), spellings(b)))
    schema = {"type": "object", "additionalProperties": False, "properties": properties}
    forbidden = {}
    for a, b in conflicts:
        forbidden.setdefault(a, {"properties": {}})["properties"][b] = False
    if forbidden:
        schema["dependentSchemas"] = forbidden
    return schema


def root_descriptors():
    for module_name, names in ROOTS.items():
        module = importlib.import_module(module_name)
        for name in names:
            yield functools.reduce(getattr, name.split("."), module).DESCRIPTOR


def build():
    """Return the schema file's exact text."""
    defs, pending = {}, list(root_descriptors())
    while pending:
        msg = pending.pop()
        if msg.full_name not in defs:
            defs[msg.full_name] = message_schema(msg, pending)
    versions = {pkg: importlib.metadata.version(pkg) for pkg in ("kfp-pipeline-spec", "kfp-kubernetes")}
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            "GENERATED by schemas/generate_ir_schema.py from "
            + " and ".join(f"{pkg}=={v}" for pkg, v in versions.items())
            + "; do not edit by hand. deploymentSpec is an untyped Struct in the proto:"
            " validate it against #/$defs/ml_pipelines.PipelineDeploymentConfig, and"
            " PlatformSpec executors against #/$defs/kfp_kubernetes.KubernetesExecutorConfig."
        ),
        "$defs": defs,
        "$ref": "#/$defs/ml_pipelines.PipelineSpec",
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed schema is stale; write nothing")
    args = parser.parse_args(argv)
    text = build().encode()
    if args.check:
        if not SCHEMA_PATH.is_file() or SCHEMA_PATH.read_bytes() != text:
            print(f"{SCHEMA_PATH} is out of date; run python schemas/generate_ir_schema.py", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_bytes(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
