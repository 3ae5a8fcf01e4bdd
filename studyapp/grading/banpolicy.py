"""One ban policy per kind of reference.  No torch, no textual.

An exercise's bans are derived from what its reference computes with, so exercises with the
same kind of reference cannot drift apart:

- ``torch.optim.X`` (any optimizer): all of ``torch.optim`` (the classes, their
  ``_single_tensor_*``/``_multi_tensor_*`` foreach implementations, ``torch.optim._functional``)
  and every fused optimizer kernel, as Python entry points and as ATen operators (one fused
  kernel can compute another's step: AdamW with no decay is Adam).
- ``torch.nn.functional.x`` (or ``F.x``): that function, its aliases (``torch.x``,
  ``torch.Tensor.x``, ``torch.special.x``), the module form (``torch.nn.X`` classes listed
  in ``FUNCTIONAL``) and its ATen operators.
- ``torch.nn.init.x``: all of ``torch.nn.init``.
- ``torch.nn.X`` (a module class): that class and, when listed in ``FUNCTIONAL``, what
  its functional form bans.

ATen operators are banned by *name*: the guard arms every overload of the name
(``aten::_fused_adam_.default`` and ``.tensor_lr``, ``aten::native_batch_norm.default`` and
``.out``), so listing ``aten::name`` (or ``aten::name.overload``) bans them all.

The references are found automatically in ``checks.py``'s ``reference`` function (see
``references_in_checks``); ``bans_from = [...]`` in ``exercise.toml`` replaces what was found
(for a reference that only uses torch as a tool, e.g. a training loop built on
``torch.optim.SGD``), and the lists ``banned``/``banned_ops`` add exercise-specific extras
(``content/README.md``).
"""

from __future__ import annotations

import ast
from pathlib import Path

OPTIMIZER_PATHS = (
    "torch.optim",
    "torch._fused_adam_", "torch._fused_adamw_", "torch._fused_sgd_", "torch._fused_adagrad_",
)
OPTIMIZER_OPS = (
    "aten::_fused_adam", "aten::_fused_adam_", "aten::_fused_adamw", "aten::_fused_adamw_",
    "aten::_fused_sgd", "aten::_fused_sgd_", "aten::_fused_adagrad", "aten::_fused_adagrad_",
)

# functional reference -> (module forms and other Python entry points, ATen operators)
FUNCTIONAL: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "batch_norm": (
        ("torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.BatchNorm3d",
         "torch.nn.modules.batchnorm", "torch.native_batch_norm"),
        ("aten::batch_norm", "aten::_batch_norm_impl_index", "aten::native_batch_norm",
         "aten::_native_batch_norm_legit", "aten::_native_batch_norm_legit_no_training",
         "aten::_native_batch_norm_legit_functional", "aten::_batch_norm_with_update",
         "aten::_batch_norm_with_update_functional", "aten::_batch_norm_no_update",
         "aten::batch_norm_stats", "aten::batch_norm_elemt", "aten::batch_norm_gather_stats",
         "aten::batch_norm_gather_stats_with_counts", "aten::batch_norm_update_stats",
         "aten::cudnn_batch_norm", "aten::miopen_batch_norm"),
    ),
    "scaled_dot_product_attention": (
        ("torch.nn.functional.multi_head_attention_forward", "torch.nn.MultiheadAttention",
         "torch.nn.Transformer", "torch.nn.TransformerEncoderLayer",
         "torch.nn.TransformerDecoderLayer", "torch._C._nn.scaled_dot_product_attention"),
        ("aten::scaled_dot_product_attention", "aten::_scaled_dot_product_attention_math",
         "aten::_scaled_dot_product_attention_math_for_mps",
         "aten::_scaled_dot_product_flash_attention",
         "aten::_scaled_dot_product_flash_attention_for_cpu",
         "aten::_scaled_dot_product_efficient_attention",
         "aten::_scaled_dot_product_cudnn_attention",
         "aten::_scaled_dot_product_fused_attention_overrideable",
         "aten::_native_multi_head_attention", "aten::_transformer_encoder_layer_fwd"),
    ),
    "binary_cross_entropy_with_logits": (
        ("torch.nn.functional.binary_cross_entropy", "torch.nn.BCEWithLogitsLoss",
         "torch.nn.BCELoss"),
        ("aten::binary_cross_entropy_with_logits", "aten::binary_cross_entropy"),
    ),
    "cross_entropy": (
        ("torch.nn.functional.nll_loss", "torch.nn.functional.log_softmax",
         "torch.nn.CrossEntropyLoss", "torch.nn.NLLLoss", "torch.nn.LogSoftmax",
         "torch.log_softmax", "torch.Tensor.log_softmax", "torch.special.log_softmax",
         "torch.logsumexp", "torch.Tensor.logsumexp", "torch.special.logsumexp"),
        ("aten::cross_entropy_loss", "aten::log_softmax", "aten::_log_softmax",
         "aten::special_log_softmax", "aten::logsumexp", "aten::nll_loss",
         "aten::nll_loss_nd", "aten::nll_loss_forward", "aten::nll_loss2d",
         "aten::nll_loss2d_forward"),
    ),
}
# module classes whose functional form is listed above
MODULE_FUNCTIONAL = {
    "BatchNorm1d": "batch_norm", "BatchNorm2d": "batch_norm", "BatchNorm3d": "batch_norm",
    "MultiheadAttention": "scaled_dot_product_attention",
    "BCEWithLogitsLoss": "binary_cross_entropy_with_logits", "CrossEntropyLoss": "cross_entropy",
}
# module classes with their own kernels
MODULES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "RNN": (
        ("torch.nn.RNN", "torch.nn.RNNCell", "torch.nn.RNNBase", "torch.rnn_tanh",
         "torch.rnn_tanh_cell", "torch.rnn_relu", "torch.rnn_relu_cell"),
        ("aten::rnn_tanh", "aten::rnn_tanh_cell", "aten::rnn_relu", "aten::rnn_relu_cell"),
    ),
}
# Tools a submission could use to replace the dispatcher kernels that enforce banned_ops,
# or to call an operator's other kernels past them (its CompositeImplicit decomposition).
KERNEL_REGISTRATION_PATHS = ("torch.library", "torch._C._dispatch_library",
                             "torch._ops.OpOverload.decompose",
                             "torch._ops.OpOverload.redispatch")


def derive(reference: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(banned Python paths, banned ATen operator names) for one reference."""
    ref = reference.strip()
    if ref.startswith("F."):
        ref = "torch.nn.functional." + ref[2:]
    if ref == "torch.optim" or ref.startswith("torch.optim."):
        return OPTIMIZER_PATHS, OPTIMIZER_OPS
    if ref.startswith("torch.nn.init"):
        return ("torch.nn.init",), ()
    if ref.startswith("torch.nn.functional."):
        name = ref.rsplit(".", 1)[1]
        extra_paths, ops = FUNCTIONAL.get(name, ((), (f"aten::{name}",)))
        aliases = (ref, f"torch.{name}", f"torch.Tensor.{name}", f"torch.special.{name}",
                   f"torch._C._nn.{name}")
        return aliases + extra_paths, ops
    if ref.startswith("torch.nn.") and ref.rsplit(".", 1)[1][:1].isupper():
        cls = ref.rsplit(".", 1)[1]
        if cls in MODULES:
            return MODULES[cls]
        if cls in MODULE_FUNCTIONAL:
            paths, ops = derive("torch.nn.functional." + MODULE_FUNCTIONAL[cls])
            return (ref, *paths), ops
        return (ref,), ()
    return (ref,), ()


def op_name(op: str) -> str:
    """``aten::name.overload`` -> ``aten::name`` (bans cover every overload of a name)."""
    ns, _, rest = op.partition("::")
    return f"{ns}::{rest.split('.', 1)[0]}" if rest else op


def apply(references: tuple[str, ...], banned: tuple[str, ...], banned_ops: tuple[str, ...]
          ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The effective lists: what the policy derives for ``references`` plus the declared
    extras, without duplicates, operators normalized to their names."""
    paths: list[str] = []
    ops: list[str] = []
    for ref in references:
        p, o = derive(ref)
        paths.extend(p)
        ops.extend(o)
    paths.extend(banned)
    ops.extend(banned_ops)
    if ops:
        paths.extend(KERNEL_REGISTRATION_PATHS)
    return tuple(dict.fromkeys(paths)), tuple(dict.fromkeys(op_name(o) for o in ops))


_KINDS = ("torch.optim.", "torch.nn.functional.", "torch.nn.init.", "torch.nn.")


_found: dict[tuple[str, int, int], tuple[str, ...]] = {}


def references_in_checks(checks_path: Path) -> tuple[str, ...]:
    """The torch APIs ``reference`` in a ``checks.py`` computes with that the policy knows a
    kind for: ``torch.optim.X``, ``torch.nn.functional.x`` (however imported),
    ``torch.nn.init.x`` and ``torch.nn.X`` classes.  Empty when the file cannot be read.
    Cached by the file's modification time and size (the worker loads exercises on every
    grade)."""
    try:
        st = checks_path.stat()
    except OSError:
        return ()
    key = (str(checks_path), st.st_mtime_ns, st.st_size)
    if key not in _found:
        _found[key] = _references(checks_path)
    return _found[key]


def _references(checks_path: Path) -> tuple[str, ...]:
    try:
        tree = ast.parse(checks_path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    aliases: dict[str, str] = {"torch": "torch"}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else \
                    a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    ref = next((n for n in tree.body if isinstance(n, ast.FunctionDef)
                and n.name == "reference"), None)
    if ref is None:
        return ()
    found: list[str] = []
    for inner in ast.walk(ref):
        if not isinstance(inner, ast.Attribute):
            continue
        parts: list[str] = []
        cur: ast.AST = inner
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if not isinstance(cur, ast.Name) or cur.id not in aliases:
            continue
        dotted = ".".join([aliases[cur.id], *reversed(parts)])
        if dotted.startswith(_KINDS) and dotted.count(".") >= 2:
            if dotted.startswith("torch.nn.") and not dotted.startswith(_KINDS[:3]):
                if dotted.count(".") != 2 or not dotted.rsplit(".", 1)[1][:1].isupper():
                    continue  # torch.nn.X classes only
            found.append(dotted)
    # keep the longest paths only (torch.optim.Adam, not torch.optim)
    out = [f for f in found if not any(g != f and g.startswith(f + ".") for g in found)]
    return tuple(dict.fromkeys(out))
