"""Checks for warmup-cosine-lr: the learner's schedule against torch's own
SequentialLR(LinearLR, CosineAnnealingLR), stepped through a real optimizer in float64."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="warmup_cosine_lr",
    args=("step", "base_lr", "warmup_steps", "total_steps"),
    returns="lr",
    reference_name="SequentialLR(LinearLR, CosineAnnealingLR)",
)


def _schedule(base_lr, warmup_steps, total_steps, min_lr):
    """The learning rate torch's schedulers give at steps 0..total_steps."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=total_steps - warmup_steps, eta_min=min_lr)
    sched = cosine
    if warmup_steps > 0:
        warm = torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=1 / (warmup_steps + 1), end_factor=1.0, total_iters=warmup_steps)
        sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cosine],
                                                      milestones=[warmup_steps])
    lrs = []
    for _ in range(total_steps + 1):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return torch.tensor(lrs, dtype=torch.float64)


def reference(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    lrs = _schedule(base_lr, warmup_steps, total_steps, min_lr)
    return lrs[step.long()].to(torch.float32)


def _check(name, regime, step, base_lr, warmup, total, note="", **kw):
    return Check(name, regime, {"step": step, "base_lr": base_lr, "warmup_steps": warmup,
                                "total_steps": total, **kw}, note=note)


def checks(v: Variant) -> list[Check]:
    w, t = v.integer(5, 20, 10), v.integer(60, 150, 100)
    base = v.log_uniform(1e-3, 1.0, 0.1)
    long_w, long_t = v.integer(100, 400, 200), v.integer(1500, 3000, 2000)
    t0 = v.integer(20, 60, 40)
    return [
        _check("defaults", f"W={w}, T={t}, every step 0..T, min_lr left out (0)",
               torch.arange(t + 1), base, w, t,
               note="the whole schedule, step by step"),
        _check("min-lr", "min_lr = base_lr / 10", torch.arange(t + 1), base, w, t,
               min_lr=base / 10, note="the cosine decays to min_lr, not to zero"),
        _check("no-warmup", "warmup_steps = 0: cosine from step 0",
               torch.arange(t0 + 1), base, 0, t0,
               min_lr=v.pick(0.0, base / 100),
               note="with no warm-up the schedule is CosineAnnealingLR alone"),
        _check("one-step-warmup", "warmup_steps = 1", torch.arange(21), 1.0, 1, 20,
               min_lr=0.1, note="step 0 warms up at base_lr / 2, step 1 starts the cosine"),
        _check("shuffled-2d", "steps in a shuffled (4, 6) tensor",
               torch.randperm(t + 1, generator=v.gen)[:24].reshape(4, 6), base, w, t,
               min_lr=base / 5, note="any shape and order of steps"),
        _check("long", f"W={long_w}, T={long_t}, every 7th step",
               torch.arange(0, long_t + 1, 7), base, long_w, long_t, min_lr=base / 50),
    ]
