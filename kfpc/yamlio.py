"""All YAML and JSON text in and out of kfpc goes through this module.

Why one module: reading must be safe against hostile files (binary, bad encodings, alias bombs,
deep nesting) and fast (libyaml's C loader and emitter), and writing must be byte-for-byte
deterministic. Having those rules in one place keeps every reader and writer honest.
"""

from __future__ import annotations

import json
import re
from typing import Any, Sequence

import yaml

from kfpc.errors import Diagnostic, InputError

try:  # libyaml is what makes large pipelines fast; the pure-Python fallback still works.
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 100  # libyaml and json refuse deeper input on their own (about 1000 levels)
MAX_EXPANDED_NODES = 2_000_000

# An anchor is `&name` after whitespace or a flow indicator. Shell text such as `a && b` does not match.
# Searching for the `&` first keeps this fast on megabytes of IR.
_ANCHOR = re.compile(r"&[^\s&,\[\]{}]")


def _has_anchor(text: str) -> bool:
    for match in _ANCHOR.finditer(text):
        start = match.start()
        if start == 0 or text[start - 1] in " \t\r\n[{,":
            return True
    return False


def decode(name: str, data: bytes) -> str:
    """Turn raw bytes into text, refusing what is clearly not a text IR document."""
    if len(data) > MAX_BYTES:
        # Readers stop at MAX_BYTES + 1 bytes, so that length says only "too large", not the size.
        size = f"{len(data)} bytes" if len(data) > MAX_BYTES + 1 else f"more than {MAX_BYTES} bytes"
        raise InputError(f"input is {size}; the limit is {MAX_BYTES} bytes ({MAX_BYTES >> 20} MiB)", file=name,
                         code="KFPC103")
    if b"\x00" in data[:65536]:
        raise InputError("input looks binary (it contains NUL bytes); expected pipeline IR as YAML or JSON",
                         file=name, code="KFPC101")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(Diagnostic("KFPC102", f"input is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                                    name, (), line, column)) from None


def load_documents(name: str, text: str) -> list[Any]:
    """Parse JSON (one document) or YAML (one or more documents) with bounded cost."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{") or stripped.startswith("["):
            try:
                docs = [json.loads(text)]
            except json.JSONDecodeError:
                docs = _load_all(text)  # YAML flow style also starts with "{"
        else:
            docs = _load_all(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "syntax error"
        code = "KFPC105" if "nesting depth" in problem else "KFPC104"
        if code == "KFPC105":
            problem = "input is nested too deeply"
        raise InputError(Diagnostic(code, f"invalid YAML: {problem}", name, (),
                                    mark.line + 1 if mark else None, mark.column + 1 if mark else None)) from None
    except yaml.reader.ReaderError as exc:
        raise InputError(_reader_problem(name, text, exc)) from None
    except yaml.YAMLError as exc:
        problem = str(exc).split("\n  in \"<unicode string>\"")[0]  # PyYAML's name for the text, not the user's
        raise InputError(f"invalid YAML: {problem}", file=name, code="KFPC104") from None
    except RecursionError:
        raise InputError("input is nested too deeply", file=name, code="KFPC105") from None
    except (ValueError, OverflowError) as exc:  # e.g. absurd integer literals
        raise InputError(f"invalid value in input: {exc}", file=name, code="KFPC104") from None
    if _has_anchor(text):  # without anchors there are no aliases: nothing can expand
        check_shape(name, docs)
    return docs


def _reader_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> Diagnostic:
    """PyYAML names the character and an offset (in bytes for libyaml, in characters for the pure
    loader) in a "<unicode string>"; users need the line and column in their own file. The reader
    stops at the first character it refuses, so the first occurrence of that character is the place."""
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    where = text.find(char)
    if where < 0:
        where = min(exc.position, len(text))
    line = text.count("\n", 0, where) + 1
    column = where - (text.rfind("\n", 0, where) + 1) + 1
    return Diagnostic("KFPC104", f"invalid YAML: character U+{ord(char[:1] or ' '):04X} is not allowed "
                      f"({exc.reason}); write it as an escape such as \"\\u{ord(char[:1] or ' '):04x}\" in a "
                      "double-quoted string", name, (), line, column)


_STR_TAG = "tag:yaml.org,2002:str"
_PLAIN_TAGS = (None, "!", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


class _Unusual(Exception):
    """YAML the event reader leaves to PyYAML's own constructor (merge keys, complex keys, tags)."""


def _load_all(text: str) -> list[Any]:
    """PyYAML's safe load, built from libyaml's events instead of its node graph.

    PyYAML composes a whole document into nodes (each with two position marks) before building
    any Python object, which costs about 20 times the text in memory; building the objects straight
    from the parser's events keeps only the result, and is faster. Scalars are resolved and
    constructed by the safe loader itself, so the values are the same; anything else it would treat
    specially is handed back to it.
    """
    try:
        return _from_events(text)
    except _Unusual:
        return list(yaml.load_all(text, Loader=_Loader))


def _from_events(text: str) -> list[Any]:
    """One loop with its lookups in locals: a function call per event (scalar construction, placing
    an object in its container) made loading the corpus about 15% slower. The open collection and its
    pending key are locals too (the enclosing ones wait on `outer`), as the loop reads them per event."""
    loader = _Loader(text)
    resolve, constructors, get_event = loader.resolve, loader.yaml_constructors, loader.get_event
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    docs: list[Any] = []
    anchors: dict[str, Any] = {}
    plain_tags: dict[str, str] = {}  # IR repeats the same keys and values thousands of times
    current: Any = None  # the open mapping or sequence (None at the top of a document)
    in_list = False
    key: Any = None
    has_key = False
    outer: list[tuple[Any, bool, Any, bool]] = []  # the enclosing (current, in_list, key, has_key)
    try:
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                value = event.value
                if event.tag is None and event.implicit[0]:  # a plain scalar: its tag depends on its text only
                    tag = plain_tags.get(value)
                    if tag is None:
                        tag = plain_tags[value] = resolve(yaml.ScalarNode, value, event.implicit)
                else:
                    tag = event.tag if event.tag not in (None, "!") else resolve(yaml.ScalarNode, value,
                                                                                  event.implicit)
                if tag == _STR_TAG:
                    obj: Any = value
                elif tag in constructors:
                    obj = constructors[tag](loader, yaml.ScalarNode(tag, value, style=event.style))
                else:
                    raise _Unusual
                if event.anchor is not None:
                    anchors[event.anchor] = obj
            elif kind is mapping_start or kind is sequence_start:
                if event.tag not in _PLAIN_TAGS:
                    raise _Unusual
                container: Any = {} if kind is mapping_start else []
                if event.anchor is not None:
                    anchors[event.anchor] = container
                outer.append((current, in_list, key, has_key))
                current, in_list, key, has_key = container, kind is sequence_start, None, False
                continue
            elif kind is mapping_end or kind is sequence_end:
                obj = current
                current, in_list, key, has_key = outer.pop()
            elif kind is alias_event:
                if event.anchor not in anchors:
                    raise _Unusual  # an undefined alias: PyYAML says where
                obj = anchors[event.anchor]
            elif kind is yaml.DocumentStartEvent:
                anchors = {}
                continue
            elif kind is yaml.StreamEndEvent:
                return docs
            else:  # stream start, document end
                continue
            if current is None:
                docs.append(obj)
            elif in_list:
                current.append(obj)
            elif has_key:
                current[key] = obj
                has_key = False
            else:
                if isinstance(obj, (dict, list)):
                    raise _Unusual  # an unhashable key: PyYAML says where
                key, has_key = obj, True
    finally:
        loader.dispose()


def check_shape(name: str, docs: Sequence[Any]) -> None:
    """Refuse documents that are too deep or that expand (through YAML aliases) past a budget.

    libyaml builds aliases as shared references, so loading a "billion laughs" file is cheap; it is
    walking it (schema validation, lowering) that would explode. Counting expanded nodes with a
    memo over shared containers is linear in the file, so the refusal itself stays cheap.
    """
    sizes: dict[int, int] = {}
    budget = MAX_EXPANDED_NODES
    total = 0
    for doc in docs:
        # Iterative post-order walk: (node, depth, children_done)
        stack: list[tuple[Any, int, bool]] = [(doc, 1, False)]
        while stack:
            node, depth, done = stack.pop()
            if not isinstance(node, (dict, list)):
                continue
            key = id(node)
            if done:
                children = node.values() if isinstance(node, dict) else node
                size = 1
                for child in children:
                    if isinstance(child, (dict, list)):
                        size += sizes.get(id(child), 1)
                    else:
                        size += 1
                sizes[key] = size
                continue
            if key in sizes:
                continue
            if depth > MAX_DEPTH:
                raise InputError(f"input is nested more than {MAX_DEPTH} levels deep", file=name, code="KFPC105")
            stack.append((node, depth, True))
            children = node.values() if isinstance(node, dict) else node
            for child in children:
                if isinstance(child, (dict, list)) and id(child) not in sizes:
                    stack.append((child, depth + 1, False))
        if isinstance(doc, (dict, list)):
            total += sizes[id(doc)]
        if total > budget:
            raise InputError(f"YAML aliases expand to more than {budget} nodes; refusing to process it",
                             file=name, code="KFPC106")


def locate(text: str, doc_index: int, path: Sequence[str | int]) -> tuple[int, int] | None:
    """Line and column (1-based) of the node at `path`, or of its deepest existing ancestor."""
    return locate_all(text, [(doc_index, path)])[0]


def locate_all(text: str, queries: Sequence[tuple[int, Sequence[str | int]]]) -> list[tuple[int, int] | None]:
    """`locate` for many paths at once: the document is composed once, however many errors there are
    (composing it per error made a thousand errors take half a minute). Only called when reporting
    errors, so the success path never pays for it."""
    if not queries:
        return []
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except (yaml.YAMLError, RecursionError):
        return [None] * len(queries)
    return [_find(nodes, doc_index, path) for doc_index, path in queries]


def _find(nodes: list[Any], doc_index: int, path: Sequence[str | int]) -> tuple[int, int] | None:
    if doc_index >= len(nodes) or nodes[doc_index] is None:
        return None
    node = nodes[doc_index]
    best = node.start_mark
    for part in path:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    nxt = value_node
                    best = key_node.start_mark
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            best = nxt.start_mark
        if nxt is None:
            break
        node = nxt
    return best.line + 1, best.column + 1


# ---------------------------------------------------------------------------------------------
# Writing


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _OutDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Block style, literal blocks for multi-line strings, and never anchors: output is read by people."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scalar_tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        """The emitter asks twice per scalar; a pipeline repeats the same keys and values thousands
        of times, so the answers are remembered for the dump."""
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._scalar_tags.get(key)
        if tag is None:
            tag = self._scalar_tags[key] = super().resolve(kind, value, implicit)
        return tag

    def represent_data(self, data: Any) -> yaml.Node:
        """The common types directly, as SafeRepresenter builds them with `default_flow_style=False`
        and no aliases, without its per-object bookkeeping (most of a large dump's time)."""
        kind = type(data)
        if kind is str:
            return _represent_str(self, data)
        if kind is dict:
            represent = self.represent_data
            return yaml.MappingNode(_MAP_TAG, [(represent(k), represent(v)) for k, v in data.items()],
                                    flow_style=False)
        if kind is list:
            represent = self.represent_data
            return yaml.SequenceNode(_SEQ_TAG, [represent(item) for item in data], flow_style=False)
        return super().represent_data(data)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _UNICODE_BREAK.search(value):
        # Plain or single-quoted, these would be written raw, and readers disagree on whether they break
        # the line (YAML 1.1) or are text (1.2); escaped in double quotes they read the same everywhere.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value and _literal_block_ok(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_UNICODE_BREAK = re.compile("[\x85\u2028\u2029]")


_NOT_LITERAL = re.compile("[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]| \n| \\Z")


def _literal_block_ok(value: str) -> bool:
    # Literal blocks cannot carry trailing spaces on a line, tabs or control characters faithfully.
    return _NOT_LITERAL.search(value) is None


_OutDumper.add_representer(str, _represent_str)

# Plain scalars that some YAML reader on the way to the cluster takes for something other than a string.
# PyYAML's own resolver (YAML 1.1 as PyYAML reads it) already makes the emitter quote most of them; the
# rule below adds what it misses, so that every reader agrees a string is a string:
# - go-yaml v2 (sigs.k8s.io/yaml, kubectl, the API server) resolves y/Y/n/N as booleans (resolve.go's
#   resolveMap) and parses numbers with Go's strconv after dropping every underscore (`0_x1F`, `+_.5`),
#   floats without a dot (`2e-05`) and `0b` followed by a signed binary number (`0b-1`);
# - YAML 1.2 core (ruamel.yaml, the npm `yaml` package) reads `0o17`, `2e-05` and `.5` as numbers;
# - YAML 1.1 readers add sexagesimal `1:20`, any-case booleans and loose forms: npm `yaml` takes `e5` and
#   `.` for floats and `2024-1-5` for a date, ruamel.yaml fails outright on `-_`.
# Quoting a string that no reader would have misread is harmless, so the rule errs on the wide side.
_WORDS = re.compile(r"(?i:y|yes|n|no|true|false|on|off|null|~)")
_NUMBERISH = re.compile(r"""(?x) [-+]? (?:
    0 (?: [xX][0-9a-fA-F]* | [oO][0-7]* | [bB][-+]?[01]* )                 # prefixed integers
  | [0-9]* \.? [0-9]* (?: [eE][-+]?[0-9]* )?                                # ints, floats, `e5`, `.`
  | [0-9][0-9:]* (?: \.[0-9]* )?                                            # sexagesimal
  | \. (?i: inf | nan )
  )""")
_DATE_START = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")


class _NotAString:
    """Answers the resolver's `match` for plain scalars some reader would not read as a string. The
    emitter quotes a scalar when the resolver gives it a tag other than its own, so claiming these for a
    made-up tag is how they get quoted."""

    @staticmethod
    def match(value: str) -> bool:
        if _WORDS.fullmatch(value):
            return True
        if _NUMBERISH.fullmatch(value.replace("_", "")):
            return True
        return _DATE_START.match(value) is not None


_OutDumper.add_implicit_resolver("tag:yaml.org,2002:kfpc-not-a-string", _NotAString(), None)


def dump_yaml(documents: Sequence[Any]) -> str:
    """Deterministic YAML: insertion order is the order a reader expects; no line folding."""
    text = _BlockWriter().dump(documents)
    return text if text is not None else _libyaml_dump(documents)


def _libyaml_dump(documents: Sequence[Any]) -> str:
    return yaml.dump_all(documents, Dumper=_OutDumper, sort_keys=False, default_flow_style=False,
                         allow_unicode=True, width=1 << 20, explicit_start=len(documents) > 1)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
_LITERAL_HEADER = re.compile(r"\|[1-9]?[-+]?")
_LONGEST = 1 << 16  # longer scalars are left to libyaml, which folds past its width of 1 << 20


class _BlockWriter:
    """The same bytes as `_libyaml_dump`, written by walking the documents in Python.

    Most of a large dump's time went to building a yaml node per value and handing each to the C
    emitter, though a pipeline holds few distinct scalars: every distinct key and value is rendered
    once, by libyaml itself (all of them in one dump, so how each is quoted or made a literal block
    is libyaml's own choice), and the block structure around them (two-space indents, sequences in
    a mapping not indented, `- ` carrying a collection's first line) is written here. Documents with
    anything else (other types, long or odd multi-line scalars, keys libyaml would write as `? `)
    give None, and the caller dumps them with libyaml whole."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}  # key -> its text before the `:`
        # scalar -> (its first line, the lines of its literal block or None). A string is its own key;
        # other scalars are keyed with their type, as 1, 1.0 and True are equal keys but written apart.
        self.values: dict[Any, tuple[str, list[str] | None]] = {}
        self.open_ended = False  # the document's last literal block keeps its final line breaks (`|+`)

    def dump(self, documents: Sequence[Any]) -> str | None:
        keys: set[str] = set()
        values: set[Any] = set()
        for doc in documents:
            if type(doc) is not dict or not doc or not self._gather(doc, keys, values):
                return None
        if not self._render_keys(list(keys)) or not self._render_values(list(values)):
            return None
        out: list[str] = []
        for doc in documents:
            if len(documents) > 1:
                out.append("---\n")
            self.open_ended = False
            self._mapping(doc, 0, "", out)
        if self.open_ended:
            out.append("...\n")  # libyaml ends such a stream explicitly: a reader could not tell where it ends
        return "".join(out)

    @staticmethod
    def _gather(doc: dict[str, Any], keys: set[str], values: set[Any]) -> bool:
        stack: list[Any] = [doc]
        while stack:
            node = stack.pop()
            if type(node) is dict:
                for key, value in node.items():
                    if type(key) is not str:
                        return False
                    keys.add(key)
                    stack.append(value)
            elif type(node) is list:
                stack.extend(node)
            elif type(node) is str:
                if len(node) > _LONGEST:
                    return False
                values.add(node)
            elif type(node) in _SCALARS:
                values.add((type(node), node))
            else:
                return False
        return True

    def _render_keys(self, keys: list[str]) -> bool:
        if not keys:
            return True
        lines = _libyaml_dump([dict.fromkeys(keys)]).splitlines()
        if len(lines) != len(keys) or not all(line.endswith(": null") for line in lines):
            return False  # a key written over several lines or as `? key`
        self.keys.update(zip(keys, (line[:-6] for line in lines)))
        return True

    def _render_values(self, values: list[Any]) -> bool:
        values = self._plain_words(values)
        if not values:
            return True
        lines = _libyaml_dump([[value if type(value) is str else value[1] for value in values]]).splitlines()
        if lines[-1] == "...":
            lines.pop()
        items: list[list[str]] = []
        for line in lines:
            if line.startswith("- "):
                items.append([line[2:]])
            elif items and (not line or line.startswith("  ")):
                items[-1].append(line[2:])
            else:
                return False
        if len(items) != len(values):
            return False
        for value, (first, *rest) in zip(values, items):
            if rest and not _LITERAL_HEADER.fullmatch(first):
                return False  # a quoted scalar over several lines
            self.values[value] = (" " + first, rest if rest else None)
        return True

    def _plain_words(self, values: list[Any]) -> list[Any]:
        """Records the strings whose rendering is known without libyaml, and returns the rest for it.

        Most of a pipeline's distinct values are names, references and engine expressions (`step-12`,
        `{{tasks.step-12.outputs.parameters.Output}}`), and handing each to libyaml cost most of a large
        dump. What libyaml's emitter does with them (emitter.c's scalar analysis and style choice):
        - a string of letters, digits and `_./-` not starting with `-`, `.` or `/` holds no indicator,
          space, break or `: `: it is written plain when the resolver reads it back as a string, which is
          asked here as the emitter asks, and in single quotes when not (`yes`, `1e5`, `2024-1-5`);
        - printable ASCII starting with `{` or `[` cannot be plain (an indicator) and holds nothing that
          rules out single quotes (a control or non-ASCII character, a break, a tab): it is written in
          single quotes, a quote doubled, never folded at kfpc's width."""
        resolve = _OutDumper(None).resolve
        rest = []
        for value in values:
            if type(value) is not str:
                rest.append(value)
            elif _PLAIN_WORD.fullmatch(value):
                plain = resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
                self.values[value] = (" " + value if plain else " '" + value + "'", None)
            elif value.startswith(("{", "[")) and value.isascii() and value.isprintable():
                self.values[value] = (" '" + value.replace("'", "''") + "'", None)
            else:
                rest.append(value)
        return rest

    def _scalar(self, value: Any, column: int) -> str:
        """The scalar's text from after its key's `:` or its `- ` on."""
        first, block = self.values[value if type(value) is str else (type(value), value)]
        if block is None:
            return first + "\n"
        self.open_ended = first.endswith("+")
        pad = " " * (column + 2)
        return first + "\n" + "".join(pad + line + "\n" if line else "\n" for line in block)

    def _mapping(self, node: dict[str, Any], column: int, lead: str, out: list[str]) -> None:
        """A block mapping whose keys start at `column`; its first line starts with `lead` (a
        sequence's `- `) instead of the indent."""
        pad = " " * column
        keys = self.keys
        for key, value in node.items():
            kind = type(value)
            if kind is dict:
                if value:
                    out.append(lead + keys[key] + ":\n")
                    self._mapping(value, column + 2, " " * (column + 2), out)
                else:
                    out.append(lead + keys[key] + ": {}\n")
            elif kind is list:
                if value:
                    out.append(lead + keys[key] + ":\n")
                    self._sequence(value, column, pad, out)
                else:
                    out.append(lead + keys[key] + ": []\n")
            else:
                out.append(lead + keys[key] + ":" + self._scalar(value, column))
            lead = pad

    def _sequence(self, node: list[Any], column: int, lead: str, out: list[str]) -> None:
        """A block sequence whose dashes stand at `column`; the first starts after `lead`."""
        pad = " " * column
        for item in node:
            kind = type(item)
            if kind is dict:
                if item:
                    self._mapping(item, column + 2, lead + "- ", out)
                else:
                    out.append(lead + "- {}\n")
            elif kind is list:
                if item:
                    self._sequence(item, column + 2, lead + "- ", out)
                else:
                    out.append(lead + "- []\n")
            else:
                out.append(lead + "-" + self._scalar(item, column))
            lead = pad


def dump_json(documents: Sequence[Any]) -> str:
    if len(documents) == 1:
        return json.dumps(documents[0], indent=2, ensure_ascii=False) + "\n"
    return json.dumps(list(documents), indent=2, ensure_ascii=False) + "\n"


def load_yaml_text(text: str) -> Any:
    """Plain single-document load for trusted files kfpc ships itself (schemas, configs)."""
    return yaml.load(text, Loader=_Loader)
