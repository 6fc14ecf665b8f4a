"""aliaudit.oss_sdk: oss2 imported through aliaudit loads the client's modules and not client-side encryption or
resumable transfers, yet every name of the package still resolves to the same object as a normal import gives;
its __init__ read as a table binds what its own `from .x import` lines bind."""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from aliaudit.oss_sdk import name_table


def _init() -> Path:
    spec = importlib.util.find_spec("oss2")
    assert spec and spec.origin
    return Path(spec.origin)


def _run(code: str) -> dict:
    """code in a new interpreter (nothing imported yet); it prints one JSON line."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_table_is_what_the_init_imports_from_its_submodules():
    text = _init().read_text(encoding="utf-8")
    imported = {a.name: node.module for node in ast.parse(text).body
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module for a in node.names}
    assert name_table(text) == imported


def test_the_client_loads_without_encryption_or_resumable_transfers():
    got = _run("import aliaudit, oss2, oss2.exceptions, sys, json\n"
               "names = [oss2.Bucket, oss2.Service, oss2.Session, oss2.ProviderAuthV4, oss2.ObjectIterator]\n"
               "print(json.dumps({'modules': sorted(m for m in sys.modules if m.startswith(('oss2', 'aliyunsdk'))),"
               " 'where': [n.__module__ for n in names], 'version': oss2.__version__}))")
    assert got["where"] == ["oss2.api", "oss2.api", "oss2.http", "oss2.auth", "oss2.iterators"]
    assert not {"oss2.crypto", "oss2.crypto_bucket", "oss2.resumable"} & set(got["modules"])
    assert not [m for m in got["modules"] if m.startswith("aliyunsdk")]
    import oss2

    assert got["version"] == oss2.__version__


def test_every_name_of_the_package_is_what_a_normal_import_gives():
    # every public name a normal `import oss2` binds, read from a lazily registered oss2: the same object (by
    # module and qualified name), the names the __init__ defines itself included (they run the whole __init__)
    code = ("import importlib, json, sys\n"
            "plain = importlib.import_module('oss2')\n"
            "names = sorted(n for n in vars(plain) if not n.startswith('_'))\n"
            "def key(v):\n"
            "    return [getattr(v, '__module__', None), getattr(v, '__qualname__', getattr(v, '__name__', repr(v)))]\n"
            "want = {n: key(getattr(plain, n)) for n in names}\n"
            "for m in [m for m in sys.modules if m == 'oss2' or m.startswith('oss2.')]: del sys.modules[m]\n"
            "import aliaudit.oss_sdk as o; o.install()\n"
            "lazy = importlib.import_module('oss2')\n"
            "assert lazy is not plain and type(lazy.__spec__.loader).__name__ == '_Loader'\n"
            "print(json.dumps({'want': want, 'got': {n: key(getattr(lazy, n)) for n in names}}))")
    got = _run(code)
    assert got["got"] == got["want"]


def test_client_side_encryption_ciphers_run_only_when_used():
    # oss2.utils imports AES, Counter and Random at its top: loading AES parses its C declarations with cffi's
    # pycparser. Through aliaudit they are registered and run on first use, and then work as the real modules.
    got = _run("import aliaudit, json, sys\n"
               "from oss2 import api\n"
               "import oss2.utils\n"
               "before = {'cffi': 'cffi' in sys.modules, 'aes': type(sys.modules['Crypto.Cipher.AES']).__name__}\n"
               "from Crypto.Cipher import AES\n"
               "from Crypto.Util import Counter\n"
               "ctr = Counter.new(128, initial_value=1)\n"
               "out = AES.new(b'k' * 16, AES.MODE_CTR, counter=ctr).encrypt(b'aliaudit')\n"
               "print(json.dumps({**before, 'same': oss2.utils.AES is AES, 'out': out.hex(),"
               " 'mode': AES.MODE_CTR}))")
    assert got["cffi"] is False and got["aes"] == "_LazyModule"
    assert got["same"] and got["mode"] == 6 and len(got["out"]) == 16
    from Crypto.Cipher import AES
    from Crypto.Util import Counter

    want = AES.new(b"k" * 16, AES.MODE_CTR, counter=Counter.new(128, initial_value=1)).encrypt(b"aliaudit")
    assert got["out"] == want.hex()
