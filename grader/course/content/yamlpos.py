"""YAML parsing that keeps source lines, so a validation error can name the line it is about."""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[Any, ...]


class PositionLoader(yaml.SafeLoader):
    """A SafeLoader that also records the 1-based line of every mapping key and sequence item, and
    where the text of every block scalar (`|` or `>`) starts."""

    def load_with_lines(self) -> tuple[Any, dict[Path_, int], dict[Path_, int]]:
        """Parse the single document: (data, {path: line}, {path: first text line of a block scalar});
        the empty path is the document's line. Line k (0-based) of a `|` block's text is on line
        `blocks[path] + k`.

        Raises yaml.YAMLError for malformed YAML or more than one document.
        """
        try:
            node = self.get_single_node()
            if node is None:
                return None, {(): 1}, {}
            lines: dict[Path_, int] = {(): node.start_mark.line + 1}
            blocks: dict[Path_, int] = {}
            _record(node, (), lines, blocks)
            return self.construct_document(node), lines, blocks
        finally:
            self.dispose()


def _record(node: yaml.Node, path: Path_, lines: dict[Path_, int], blocks: dict[Path_, int]) -> None:
    # Iterative walk: a deeply nested (or fuzzed) file must not hit the recursion limit here.
    stack = [(node, path)]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:  # aliases can make the node graph cyclic
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            # the indicator is on the key's line; the text starts on the next one (0-based + 2)
            blocks.setdefault(path, node.start_mark.line + 2)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    sub = (*path, key.value)
                    lines.setdefault(sub, key.start_mark.line + 1)
                    stack.append((value, sub))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault((*path, i), item.start_mark.line + 1)
                stack.append((item, (*path, i)))


def parse(text: str) -> tuple[Any, dict[Path_, int], dict[Path_, int]]:
    """Parse one YAML document with positions (see PositionLoader.load_with_lines)."""
    return PositionLoader(text).load_with_lines()


def line_of(lines: dict[Path_, int], loc: Path_) -> int:
    """The line of the deepest recorded node on `loc` (a missing field points at its parent)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1
