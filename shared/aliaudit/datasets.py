"""The check contract's vocabulary: a dataset handle (a name and, for the type checker, the model type a collector
produces) and the scope it is collected in. Each family declares its handles once, beside its collector
(collectors/<family>.py); a check names the handles it reads (`needs=[BUCKETS]`) and reads them typed
(`inp[BUCKETS]` is an OssInventory), so a misspelt dataset is a NameError when the module is imported."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

T = TypeVar("T")


class Scope(str, Enum):
    """Where a dataset lives, and so where a check that reads it runs: once per account, or once per region."""

    GLOBAL = "global"
    REGIONAL = "regional"

    def __str__(self) -> str:  # (as its value in text, on every Python: "global", never "Scope.GLOBAL")
        return self.value

    def __format__(self, spec: str) -> str:
        return self.value.__format__(spec)


GLOBAL = Scope.GLOBAL.value  # the pseudo-region global datasets and checks are collected and reported for


@dataclass(frozen=True)
class Dataset(Generic[T]):
    """A named dataset of model type T, e.g. `BUCKETS: Dataset[OssInventory] = Dataset("oss.buckets", Scope.GLOBAL)`.
    The name is what metadata, policies and the docs carry; the type parameter is what `inp[handle]` returns."""

    name: str  # <family>.<what>, e.g. oss.buckets
    scope: Scope

    def __post_init__(self) -> None:
        family, _, what = self.name.partition(".")
        if not family or not what:
            raise ValueError(f"dataset name {self.name!r} is not <family>.<what>")
        if not isinstance(self.scope, Scope):
            raise TypeError(f"dataset {self.name}: scope must be a Scope, not {self.scope!r}")

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    def __str__(self) -> str:
        return self.name
