import torch  # noqa: F401 - you will need it


def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    """One step of torch.optim.AdamW; t counts from 1.

    m and v are the running moments returned by the previous step (zeros before
    the first). Return (new_param, new_m, new_v).
    """
    # TODO: decoupled weight decay
    # TODO: the Adam update (moments, bias correction, step)
    raise NotImplementedError
