"""The check contract's vocabulary: a dataset handle (a name and, for the type checker, the model type a collector
produces) and the scope it is collected in. Each family declares its handles once, beside its collector
(collectors/<family>.py); a check names the handles it reads (`needs=[BUCKETS]`) and reads them typed
(`inp[BUCKETS]` is an OssInventory), so a misspelt dataset is a NameError when the module is imported."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Record(BaseModel):
    """The base of the collectors' models. Each builds its validator when first used, not when its module is
    imported: every process imports every family's collector (the checks name their datasets), and a worker or a
    scan that collects a few families would otherwise build the validators of all 31 (about 0.4 s of CPU)."""

    model_config = ConfigDict(defer_build=True)


def build_records(modules: Iterable[str]) -> None:
    """Build now, in this thread, the validators of the Record models these modules define: a collector's threads
    would otherwise build them on first use at once, which pydantic releases before its rebuild lock (2.14) do
    without one."""
    wanted, todo = set(modules), list(Record.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ in wanted and not cls.__pydantic_complete__:
            cls.model_rebuild()


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


# The resource kinds an event run can narrow a collector to (<family>.<resource>): runtime/targets.py maps an
# ActionTrail event's resources onto them, a collector declares the ones it reads one at a time
# (collectors/registry.py collector(reads_one=...), checked when it registers) and asks for their ids
# (CollectContext.only, checked when called). One place, so a misspelt kind fails loudly instead of reading whole.
RAM_USER = "ram.user"
RAM_ACCESS_KEY = "ram.access_key"
RAM_ROOT = "ram.root"  # the account's root identity (one resource)
OSS_BUCKET = "oss.bucket"
ECS_INSTANCE = "ecs.instance"
ECS_SECURITY_GROUP = "ecs.security_group"
RDS_INSTANCE = "rds.instance"
KINDS = frozenset({RAM_USER, RAM_ACCESS_KEY, RAM_ROOT, OSS_BUCKET, ECS_INSTANCE, ECS_SECURITY_GROUP, RDS_INSTANCE})


def check_kinds(kinds: Iterable[str], where: str) -> tuple[str, ...]:
    """The kinds, each one of KINDS (ValueError naming the unknown ones and where they were given)."""
    kinds = tuple(kinds)
    unknown = sorted(set(kinds) - KINDS)
    if unknown:
        raise ValueError(f"{where}: unknown resource kinds {unknown} (datasets.KINDS: {sorted(KINDS)})")
    return kinds
