"""What the plan and IR dataclasses share.

They are frozen dataclasses created with `eq=False, repr=False`: generating those methods for some
sixty classes costs tens of milliseconds at every start-up (dataclasses compiles them with exec),
and kfpc must start fast. Identity comparison is all the compiler needs, and one generic
__repr__ here keeps them readable in tracebacks and test failures.
"""

from __future__ import annotations

import dataclasses


class Record:
    __slots__ = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({fields})"
