"""Run-time enforcement of an exercise's banned APIs, inside the sandboxed child.

Three layers, armed after the OS sandbox and before the submission is compiled:

1. **Tripwires on Python code.**  Every function object defined under a banned path
   (``torch.optim``: every function of every ``torch.optim.*`` module, found once in the
   fork server by a scan of the heap) gets its ``__code__`` replaced by a tripwire.  The
   original code objects are then unreferenced and freed, so no alias, ``getattr`` trick,
   closure cell or ``__wrapped__`` chain leads back to the real implementation.  The
   tripwire reaches the reporting function only through its own constants.
2. **Tripwires in the dispatcher.**  Banned ATen operators (``aten::native_batch_norm``)
   get a CPU/CUDA kernel that reports, however the op is reached (``F.batch_norm``,
   ``torch.batch_norm``, ``torch.ops.aten...``, ``nn.BatchNorm1d``).  The registration is
   leaked on purpose so nothing in the process can unregister it.
3. **An audit hook** (PEP 578: it cannot be removed from Python) that reports re-importing
   a banned module or opening its source, and any ``ctypes`` or ``gc`` heap traversal
   (the tools that could undo 1 and 2); it also refuses ``exec``-family calls.

Reporting writes a ``forbidden`` frame to the result pipe and ``os._exit``\\ s at once,
so the submission cannot catch it.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
import types
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, NoReturn

from . import contract

FORBIDDEN_EXIT = 86
# report(what): tell the parent what was forbidden, then exit (it never returns normally)
Report = Callable[[str], object]
_MISSING = object()
_FUNC = types.FunctionType

# -- fork-server side: find what to trip (once per banned path) ---------------------------

class Resolved(NamedTuple):
    """What one banned dotted path covers."""

    functions: list[types.FunctionType]  # to trip (their ``__code__`` is replaced)
    builtins: list[tuple[object, str]]  # (namespace, attr) of C callables to replace
    modules: set[str]  # whose import is banned
    files: set[str]  # whose reading is banned (sources, bytecode caches, package dirs)


_file_index: dict[str, list[types.FunctionType]] | None = None
_index_modules = 0
_resolved: dict[str, Resolved] = {}


def _build_index() -> dict[str, list[types.FunctionType]]:
    global _file_index, _index_modules
    if _file_index is None or len(sys.modules) != _index_modules:
        idx: dict[str, list[types.FunctionType]] = {}
        for o in gc.get_objects():
            if type(o) is _FUNC:
                idx.setdefault(o.__code__.co_filename, []).append(o)
        _file_index, _index_modules = idx, len(sys.modules)
    return _file_index


def _import_prefix(path: str) -> tuple[Any, list[str]]:
    """Import the longest module prefix of a dotted path; returns (module, rest)."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        name = ".".join(parts[:i])
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - not a module
            continue
        return sys.modules[name], parts[i:]
    raise ImportError(path)


def resolve(path: str) -> Resolved:
    """What the banned dotted path ``path`` covers (computed once per path)."""
    if path not in _resolved:
        try:
            mod, rest = _import_prefix(path)
        except ImportError:
            resolved = Resolved([], [], {path}, set())
        else:
            resolved = _resolve_module(path, mod) if not rest else _resolve_attribute(mod, rest)
        _resolved[path] = resolved._replace(functions=_unique(resolved.functions))
    return _resolved[path]


def _unique(funcs: list[types.FunctionType]) -> list[types.FunctionType]:
    seen: set[int] = set()
    uniq = []
    for f in funcs:
        if id(f) not in seen:
            seen.add(id(f))
            uniq.append(f)
    return uniq


def _resolve_module(path: str, mod: Any) -> Resolved:
    """A module or package: everything loaded under it, and forbid loading more."""
    funcs: list[types.FunctionType] = []
    files: set[str] = set()
    if hasattr(mod, "__path__"):
        # make sure every submodule is loaded so its functions can be tripped
        import pkgutil

        for info in pkgutil.walk_packages(mod.__path__, prefix=path + "."):
            try:
                __import__(info.name)
            except Exception:  # noqa: BLE001
                pass
    names = [n for n in list(sys.modules) if n == path or n.startswith(path + ".")]
    idx = _build_index()
    for n in names:
        m = sys.modules.get(n)
        f = getattr(m, "__file__", None)
        if f:
            real = os.path.realpath(f)
            files.add(real)
            try:
                files.add(os.path.realpath(importlib.util.cache_from_source(f)))
            except (ValueError, NotImplementedError):
                pass
            funcs.extend(idx.get(f, ()))
            if real != f:
                funcs.extend(idx.get(real, ()))
        for d in getattr(m, "__path__", None) or ():
            files.add(os.path.realpath(d))
    return Resolved(funcs, [], {path}, files)


def _resolve_attribute(mod: Any, rest: list[str]) -> Resolved:
    """An attribute path under a module: a class (its methods and everything defined in
    its body), a function (with what it wraps and defines), or a C callable to replace."""
    parent = mod
    obj: Any = mod
    for part in rest:
        parent = obj
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:  # an alias this torch build does not have: nothing to trip
            return Resolved([], [], set(), set())
    if isinstance(obj, type):
        return Resolved(_class_functions(obj), [], set(), set())
    if isinstance(obj, _FUNC):
        funcs = _unwrap_functions(obj)
        qual = obj.__code__.co_qualname
        funcs += [f for f in _build_index().get(obj.__code__.co_filename, ())
                  if f.__code__.co_qualname.startswith(qual + ".")]
        return Resolved(funcs, [], set(), set())
    if callable(obj):
        return Resolved([], [(parent, rest[-1])], set(), set())
    return Resolved([], [], set(), set())


def _class_functions(cls: type) -> list[types.FunctionType]:
    idx = _build_index()
    qual = cls.__qualname__
    fname = getattr(sys.modules.get(cls.__module__), "__file__", None)
    funcs: list[types.FunctionType] = []
    for v in vars(cls).values():
        funcs.extend(_unwrap_functions(v))
    if fname:
        for f in idx.get(fname, ()):
            q = f.__code__.co_qualname
            if q == qual or q.startswith(qual + "."):
                funcs.append(f)
    return funcs


def _unwrap_functions(v: Any, depth: int = 0) -> list[types.FunctionType]:
    out: list[types.FunctionType] = []
    if depth > 6:
        return out
    if isinstance(v, (staticmethod, classmethod)):
        return _unwrap_functions(v.__func__, depth + 1)
    if isinstance(v, property):
        for f in (v.fget, v.fset, v.fdel):
            if f is not None:
                out.extend(_unwrap_functions(f, depth + 1))
        return out
    if isinstance(v, _FUNC):
        out.append(v)
        w = getattr(v, "__wrapped__", None)
        if w is not None:
            out.extend(_unwrap_functions(w, depth + 1))
        for cell in v.__closure__ or ():
            try:
                c = cell.cell_contents
            except ValueError:
                continue
            if isinstance(c, _FUNC):
                out.extend(_unwrap_functions(c, depth + 1))
    return out


_trips: dict[str, list[tuple[types.FunctionType, types.CodeType]]] = {}
_REPORT: Report | None = None
RESULT_FD = contract.RESULT_FD  # defined once, in the process contract


def reporter() -> Report:
    """The process-wide reporter (fd 3 in every child), built once in the fork server."""
    global _REPORT
    if _REPORT is None:
        # deferred: guards keeps its module imports minimal (child's import order)
        from . import protocol

        _REPORT = make_reporter(RESULT_FD, protocol.encode)
    return _REPORT


def prepare(paths: Iterable[str]) -> None:
    """In the fork server: resolve banned paths and build their tripwire code objects once,
    so each child only swaps ``__code__`` pointers."""
    report = reporter()
    for p in paths:
        if p in _trips:
            continue
        _trips[p] = [(fn, _trip_code(fn, _bind(report, f"{p} ({fn.__module__}."
                                                        f"{fn.__code__.co_qualname})")))
                     for fn in resolve(p).functions]
    files: set[str] = set()
    for p in paths:
        files |= resolve(p).files
    banned_inodes(files)  # walk the banned directories here, once, not in every child


def _bind(report: Report, what: str) -> Callable[[], Any]:
    # defaults, not a closure: replacing a function's __defaults__ is reported by the hook
    return lambda _r=report, _w=what: _r(_w)  # type: ignore[misc]


def warm_library() -> None:
    """Pay torch.library's lazy setup in the fork server (on a private namespace)."""
    # deferred: guards keeps its module imports minimal (child's import order)
    import torch

    lib = torch.library.Library("studyapp_warm", "DEF")  # type: ignore[no-untyped-call]
    lib.define("noop(Tensor x) -> Tensor")  # type: ignore[no-untyped-call]
    lib.impl("noop", lambda x: x, "CPU")  # type: ignore[no-untyped-call]
    torch.ops.studyapp_warm.noop(torch.zeros(1))


def warm_optimizers() -> None:
    """Build and step torch's common optimizers once in the fork server: their first use
    imports modules lazily (cProfile among them), which a child that has dropped its uid
    can no longer read. A learner may use them where an exercise does not ban them."""
    # deferred: guards keeps its module imports minimal (child's import order)
    import torch

    param = torch.zeros(2, requires_grad=True)
    param.grad = torch.ones(2)
    for optimizer in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop):
        optimizer([param], lr=0.1).step()
        optimizer([param], lr=0.1).zero_grad()


# -- child side ------------------------------------------------------------------------------

_templates: dict[int, types.CodeType] = {}
_MARK = 918273645


def _template(nfree: int) -> types.CodeType:
    code = _templates.get(nfree)
    if code is None:
        names = [f"_c{i}" for i in range(nfree)]
        src = "def _outer():\n"
        src += "".join(f"    {n} = None\n" for n in names)
        src += "    def _banned(*args, **kwargs):\n"
        if names:
            src += "        (" + ", ".join(names) + ",)\n"
        src += f"        return ({_MARK})()\n"
        src += "    return _banned\n"
        ns: dict[str, Any] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(src, "<banned>", "exec"), ns)  # noqa: S102 - fixed template
        code = ns["_outer"]().__code__
        _templates[nfree] = code
    return code


def _trip_code(fn: types.FunctionType, report: Callable[[], Any]) -> types.CodeType:
    t = _template(len(fn.__code__.co_freevars))
    consts = tuple(report if (type(c) is int and c == _MARK) else c for c in t.co_consts)
    return t.replace(co_consts=consts, co_name=fn.__code__.co_name,
                     co_qualname=fn.__code__.co_qualname)


def make_reporter(fd: int, encode: Callable[[contract.JsonObject], bytes]) -> Report:
    """``report(what)``: write a forbidden frame to ``fd`` and exit at once."""
    write, exit_ = os.write, os._exit

    def report(what: str, _w: Callable[[int, bytes], int] = write,
               _x: Callable[[int], NoReturn] = exit_, _fd: int = fd,
               _e: Callable[[contract.JsonObject], bytes] = encode) -> None:
        try:
            _w(_fd, _e({"event": "forbidden", "what": str(what)[:200]}))
        finally:
            _x(FORBIDDEN_EXIT)

    return report


def arm(paths: Iterable[str], ops: Iterable[str], report: Report | None = None,
        *, device_type: str = "cpu") -> None:
    """Arm every layer for this child.  Call once, after the OS sandbox is in place.

    Order matters: the dispatcher kernels are registered first (through ``torch.library``,
    which the trips may then switch off), the trips next, the audit hook last: from then on
    replacing any function's code or defaults (a trip, the reporter, the hook) is itself
    reported."""
    report = report or reporter()
    paths = list(paths)
    prepare(paths)  # no-op when the fork server prepared them
    _arm_ops(list(ops), report, device_type)
    mods: set[str] = set()
    files: set[str] = set()
    for p in paths:
        _funcs, bins, m, f = resolve(p)
        mods |= m
        files |= f
        for fn, code in _trips[p]:
            fn.__code__ = code
        for ns, attr in bins:
            def banned_builtin(*a: Any, _r: Report = report, _w: str = p,
                               **k: Any) -> None:
                _r(_w)

            try:
                setattr(ns, attr, banned_builtin)
            except (AttributeError, TypeError):
                pass
    _install_hook(report, tuple(sorted(mods)), frozenset(files), banned_inodes(files))


def overload_names(op: str) -> list[str]:
    """Every overload of an ATen operator name, as ``torch.library`` names them
    (``_fused_adam_`` and ``_fused_adam_.tensor_lr``); [] when this build lacks it."""
    # deferred: guards keeps its module imports minimal (child's import order)
    import torch

    name = op.split("::", 1)[-1].split(".", 1)[0]
    packet = getattr(torch.ops.aten, name, None)
    if packet is None:
        return []
    try:
        overloads = packet.overloads()
    except Exception:  # noqa: BLE001
        return [name]
    return [name if ov == "default" else f"{name}.{ov}" for ov in overloads]


def _arm_ops(ops: list[str], report: Report, device_type: str) -> None:
    if not ops:
        return
    # deferred: guards keeps its module imports minimal (child's import order)
    import ctypes

    import torch

    lib = torch.library.Library("aten", "IMPL")  # type: ignore[no-untyped-call]
    keys = ["CPU", "CUDA"] if device_type == "cuda" else ["CPU"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for op in ops:
            def kernel(*a: Any, _r: Report = report, _w: str = op,
                       **k: Any) -> None:
                _r(_w)

            # a ban covers every overload of the name (.out, .tensor_lr, ...)
            for qualified in overload_names(op):
                for key in keys:
                    try:
                        lib.impl(qualified, kernel, key)  # type: ignore[no-untyped-call]
                    except Exception:  # noqa: BLE001 - no kernel for this key here
                        pass
                _close_direct_entry(qualified, kernel)
    # Leak the registration: detach torch's finalizer and keep one extra reference that
    # nothing in the process can name, so the kernels stay until the child exits.
    import weakref

    for f in list(getattr(weakref.finalize, "_registry", {})):
        try:
            if f.peek() and f.peek()[0] is lib:
                f.detach()
        except Exception:  # noqa: BLE001
            pass
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(lib))
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(lib.m))


def _close_direct_entry(qualified: str, kernel: Callable[..., Any]) -> None:
    """An OpOverload can call a chosen dispatch key's kernel directly (``_op_dk``), past the
    kernels registered above: point it at the tripwire too."""
    # deferred: guards keeps its module imports minimal (child's import order)
    import torch

    name, _, overload = qualified.partition(".")
    try:
        ov = getattr(getattr(torch.ops.aten, name), overload or "default")
        ov._op_dk = lambda _key, *a, _k=kernel, **kw: _k()
    except Exception:  # noqa: BLE001 - absent in this build
        pass


_inode_cache: dict[frozenset[str], frozenset[tuple[int, int]]] = {}


def banned_inodes(files: Iterable[str]) -> frozenset[tuple[int, int]]:
    """(device, inode) of every banned file and of every file under a banned directory:
    the audit hook compares what is opened by identity, not by a path string."""
    key = frozenset(files)
    if key in _inode_cache:
        return _inode_cache[key]
    out: set[tuple[int, int]] = set()
    for f in key:
        try:
            st = os.stat(f)
        except OSError:
            continue
        out.add((st.st_dev, st.st_ino))
        if os.path.isdir(f):
            for root, _dirs, names in os.walk(f):
                for n in names:
                    try:
                        st = os.stat(os.path.join(root, n))
                    except OSError:
                        continue
                    out.add((st.st_dev, st.st_ino))
    _inode_cache[key] = frozenset(out)
    return _inode_cache[key]


_EXEC_EVENTS = frozenset({"os.exec", "os.posix_spawn", "os.spawn", "os.system",
                          "subprocess.Popen", "os.startfile", "pty.spawn"})
_GC_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
# function attributes whose replacement would switch a guard off (a trip, the reporter,
# the hook itself, a kernel): CPython audits each assignment as object.__setattr__
_GUARDED_ATTRS = frozenset({"__code__", "__defaults__", "__kwdefaults__"})


def _install_hook(report: Report, mods: tuple[str, ...],
                  files: frozenset[str], inodes: frozenset[tuple[int, int]] = frozenset()
                  ) -> None:
    # Everything the hook uses is bound now (here and in the two helpers built below, as
    # closure cells), to C functions where possible: a submission that patches
    # os.path.realpath, os.fspath or pathlib later changes nothing here.  Builtins too: a
    # global name is looked up in the builtins module at each call, and assigning
    # ``builtins.callable`` is not an audited event.
    opened_path = _opened_path_reader()
    banned_file = _banned_file_matcher(inodes, files)
    # banned files by their path tails, for paths relative to an unknown dir_fd
    tails = tuple(f for f in files if f)
    mod_prefixes = tuple(m + "." for m in mods)
    exec_events, gc_events, guarded = _EXEC_EVENTS, _GC_EVENTS, _GUARDED_ATTRS
    perm = PermissionError
    len_, callable_, isinstance_, str_ = len, callable, isinstance, str

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            if inodes or tails:
                s = opened_path(args[0])
                if s is not None:
                    hit = banned_file(s)
                    if hit is not None:
                        report(f"reading the source of a banned module ({hit})")
            return
        if event == "object.__setattr__":
            if len_(args) > 1 and args[1] in guarded and callable_(args[0]):
                report(f"replacing a function's {args[1]} (it could switch off the "
                       f"grader's guards)")
            return
        if event == "import":
            name = args[0]
            if mods and isinstance_(name, str_) and (name in mods
                                                     or name.startswith(mod_prefixes)):
                report(f"importing {name}")
            return
        if event.startswith("ctypes."):
            report(f"ctypes ({event})")
        if event in gc_events:
            report(f"heap inspection ({event})")
        if event in exec_events:
            raise perm(f"{event} is not allowed in the grading sandbox")

    sys.addaudithook(hook)


def _opened_path_reader() -> Callable[[Any], str | None]:
    """``opened_path(p)``: the path an ``open`` event names (None: an fd already open);
    refuses path-like objects whose ``__fspath__`` could lie."""
    # deferred: guards keeps its module imports minimal (child's import order)
    import pathlib

    fsdecode = os.fsdecode
    plain_paths = (pathlib.PosixPath, pathlib.PurePosixPath)
    path_str = pathlib.PurePath.__str__
    perm = PermissionError
    str_, bytes_, int_, type_ = str, bytes, int, type

    def opened_path(p: Any) -> str | None:
        t = type_(p)
        if t is str_:
            return p  # type: ignore[no-any-return]  # its type is exactly str
        if t is bytes_:
            return fsdecode(p)
        if t is int_ or p is None:
            return None  # an fd already open
        if t in plain_paths:
            return path_str(p)
        raise perm("open a file by a str or bytes path in the grading sandbox")

    return opened_path


def _banned_file_matcher(inodes: frozenset[tuple[int, int]], files: frozenset[str]
                         ) -> Callable[[str], str | None]:
    """``banned_file(s)``: the banned file ``s`` is (by device and inode, or for a relative
    path by its tail), or None."""
    stat, len_ = os.stat, len
    # banned files by their path tails, for paths relative to an unknown dir_fd
    tails = tuple(f for f in files if f)

    def banned_file(s: str) -> str | None:
        try:
            st = stat(s)
            if (st.st_dev, st.st_ino) in inodes:
                return s
        except (OSError, ValueError):
            pass
        if not s.startswith("/"):
            # relative to the cwd or to a dir_fd the event does not carry: match the tail
            parts = [x for x in s.split("/") if x not in ("", ".")]
            while ".." in parts:
                parts = parts[parts.index("..") + 1:]
            tail = "/" + "/".join(parts)
            if len_(parts) >= 1 and tail != "/":
                for f in tails:
                    if f.endswith(tail):
                        return f
        return None

    return banned_file


def preload_modules(names: Iterable[str]) -> None:
    """Import modules a submission may want, before the sandbox hides the interpreter."""
    for n in names:
        try:
            __import__(n)
        except Exception:  # noqa: BLE001 - optional
            pass

